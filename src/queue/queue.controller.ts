import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AcceptsQueryToken, CurrentCaller, SendsMessages } from '../access/access.decorators';
import { Caller, describeCaller } from '../access/caller';
import type { FastifyReply } from 'fastify';
import { IdParamPipe } from '../common/id-param.pipe';
import { ApiProblems } from '../common/swagger';
import { Idempotent } from '../idempotency/idempotent.decorator';
import {
  CallNextDto,
  CheckInDto,
  NextView,
  PriorityDto,
  QueueEntryView,
  QueueEventsQuery,
  QueueQuery,
  QueueView,
  StreamAccessQuery,
} from './dto/queue.dto';
import { EventStreams } from './event-stream';
import { QueueService } from './queue.service';

const QUEUE_EVENT_EXAMPLE =
  'retry: 3000\n\nevent: queue\nid: 17\ndata: {"provider_id":124,"date":"2026-07-28","now_serving":{…},"entries":[…],"average_service_minutes":18.5,"pace":1.2,"revision":17}\n\n';
const ENTRY_EVENT_EXAMPLE =
  'retry: 3000\n\nevent: entry\nid: 17\ndata: {"entry_id":311,"status":"waiting","position":2,"expected_wait_minutes":25,…}\n\n';
const ENTRY_ID = ApiParam({ name: 'entry_id', example: 311, description: 'A queue entry id' });

@ApiTags('queue')
@ApiBearerAuth()
@Controller('queue')
export class QueueController {
  constructor(
    private readonly queue: QueueService,
    private readonly streams: EventStreams,
  ) {}

  @Post('check_in')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Check in: a confirmed appointment of today, or a walk-in',
    description:
      '`{"appointment_id"}` joins the appointment’s provider’s queue of today, placed by the appointment’s start; ' +
      '`{"provider_id","client_id"}` is a walk-in, placed by the time of check-in. Ties keep check-in order. ' +
      'Checking in twice answers the same entry. An appointment that is not confirmed, not today or not with the ' +
      'given provider or client is refused (409 CHECK_IN_REFUSED). Who: the administrator, the provider (front desk), ' +
      'or the client itself.',
  })
  @ApiResponse({ status: 201, type: QueueEntryView })
  @ApiProblems(
    'VALIDATION_FAILED',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'RATE_LIMITED',
    'PROVIDER_NOT_FOUND',
    'CLIENT_NOT_FOUND',
    'APPOINTMENT_NOT_FOUND',
    'CHECK_IN_REFUSED',
    'UNAVAILABLE',
  )
  @SendsMessages()
  @Idempotent()
  checkIn(@Body() dto: CheckInDto, @CurrentCaller() caller: Caller): Promise<QueueEntryView> {
    return this.queue.checkIn(dto, caller);
  }

  @Get()
  @ApiOperation({
    summary: "A provider's queue of a day, with positions and expected waits",
    description:
      'The one being served (position 0) and those waiting (1 is next), each with the minutes until it is likely called: ' +
      'what is left of the current service plus the expected service time of everyone ahead, never before its own ' +
      "appointment's start. The expected service time is the booked duration (15 for a walk-in) times the provider's " +
      'pace, a moving average of its measured service times against their bookings.',
  })
  @ApiResponse({ status: 200, type: QueueView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'PROVIDER_NOT_FOUND', 'UNAVAILABLE')
  getQueue(@Query() query: QueueQuery, @CurrentCaller() caller: Caller): Promise<QueueView> {
    return this.queue.view(query.provider_id, query.date, caller);
  }

  @Get('events')
  @ApiOperation({
    summary: "Follow a provider's queue (server-sent events)",
    description:
      'A text/event-stream: on connect and after every change, an event `queue` whose data is the whole GET /api/queue ' +
      'body and whose id is the queue’s revision. Changes made on any server process arrive. Comments (`: ping`) keep the connection alive. ' +
      'Who: the administrator or the provider; the key may come as `?access_token=` (EventSource cannot send headers). ' +
      'One key holds at most 100 event streams open at once; past that, 429 RATE_LIMITED.',
  })
  @ApiProduces('text/event-stream')
  @ApiResponse({
    status: 200,
    description: 'The event stream',
    content: { 'text/event-stream': { schema: { type: 'string', example: QUEUE_EVENT_EXAMPLE } } },
  })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'PROVIDER_NOT_FOUND', 'UNAVAILABLE')
  @AcceptsQueryToken()
  streamQueue(@Query() query: QueueEventsQuery, @CurrentCaller() caller: Caller, @Res() reply: FastifyReply): Promise<void> {
    return this.streams.serve(reply, describeCaller(caller), this.queue.followQueue(query.provider_id, query.date, caller));
  }

  @Get('entries/:entry_id')
  @ApiOperation({
    summary: 'Read a queue entry: its status, position and expected wait',
    description: "Who: the administrator, the entry's provider or its client.",
  })
  @ENTRY_ID
  @ApiResponse({ status: 200, type: QueueEntryView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'NOT_FOUND', 'UNAVAILABLE')
  getQueueEntry(@Param('entry_id', IdParamPipe) entryId: number, @CurrentCaller() caller: Caller): Promise<QueueEntryView> {
    return this.queue.entry(entryId, caller);
  }

  @Get('entries/:entry_id/events')
  @ApiOperation({
    summary: 'Follow one queue entry (server-sent events)',
    description:
      'A text/event-stream: an event `entry` with the entry on connect and each time its position, status or expected wait changes. ' +
      "Who: the administrator, the entry's provider or its client; the key may come as `?access_token=`. " +
      'One key holds at most 100 event streams open at once; past that, 429 RATE_LIMITED.',
  })
  @ENTRY_ID
  @ApiProduces('text/event-stream')
  @ApiResponse({
    status: 200,
    description: 'The event stream',
    content: { 'text/event-stream': { schema: { type: 'string', example: ENTRY_EVENT_EXAMPLE } } },
  })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'NOT_FOUND', 'UNAVAILABLE')
  @AcceptsQueryToken()
  streamQueueEntry(
    @Param('entry_id', IdParamPipe) entryId: number,
    @Query() _access: StreamAccessQuery,
    @CurrentCaller() caller: Caller,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.streams.serve(reply, describeCaller(caller), this.queue.followEntry(entryId, caller));
  }

  @Post('next')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Call the next client',
    description:
      'The client being served is done (its service time is recorded and the provider’s pace learns from it); the first ' +
      'waiting is called and gets a text that it is their turn, and the one then first in line a text that they are next ' +
      '(an email for a client without a phone). They are written with the call and sent once it has committed; the answer ' +
      'does not wait for them. 409 QUEUE_EMPTY when nobody is in the queue. ' +
      'Who: the administrator or the provider.',
  })
  @ApiResponse({ status: 200, type: NextView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'PROVIDER_NOT_FOUND', 'QUEUE_EMPTY', 'UNAVAILABLE')
  @SendsMessages()
  callNext(@Body() dto: CallNextDto, @CurrentCaller() caller: Caller): Promise<NextView> {
    return this.queue.next(dto.provider_id, caller);
  }

  @Post('entries/:entry_id/no_show')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Mark a queue entry as a no-show; everyone behind moves up',
    description: "Who: the administrator or the entry's provider.",
  })
  @ENTRY_ID
  @ApiResponse({ status: 200, type: QueueEntryView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'NOT_FOUND', 'ENTRY_CLOSED', 'UNAVAILABLE')
  markNoShow(@Param('entry_id', IdParamPipe) entryId: number, @CurrentCaller() caller: Caller): Promise<QueueEntryView> {
    return this.queue.noShow(entryId, caller);
  }

  @Post('entries/:entry_id/leave')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Leave the queue; everyone behind moves up',
    description: "Who: the administrator, the entry's provider or its client.",
  })
  @ENTRY_ID
  @ApiResponse({ status: 200, type: QueueEntryView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'NOT_FOUND', 'ENTRY_CLOSED', 'UNAVAILABLE')
  leaveQueue(@Param('entry_id', IdParamPipe) entryId: number, @CurrentCaller() caller: Caller): Promise<QueueEntryView> {
    return this.queue.leaveQueue(entryId, caller);
  }

  @Post('entries/:entry_id/priority')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Give a queue entry priority, or take it away',
    description:
      'Priority entries are called before the others, but never more than QUEUE_PRIORITY_STREAK (default 2) priority calls ' +
      'in a row while a non-priority entry waits; among equals the usual order holds (appointment start, a walk-in by its ' +
      'check-in). Positions, expected waits, the event streams and the next call all follow at once; whoever the change ' +
      'moves to a QUEUE_NOTIFY_AHEAD position is told. An entry that is done, no_show or left: 409 ENTRY_CLOSED, nothing ' +
      "changed. Who: the administrator or the entry's provider (its client: 403).",
  })
  @ENTRY_ID
  @ApiBody({ type: PriorityDto, examples: { on: { value: { priority: true } }, off: { value: { priority: false } } } })
  @ApiResponse({ status: 200, type: QueueEntryView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'NOT_FOUND', 'ENTRY_CLOSED', 'UNAVAILABLE')
  @SendsMessages()
  setQueueEntryPriority(
    @Param('entry_id', IdParamPipe) entryId: number,
    @Body() dto: PriorityDto,
    @CurrentCaller() caller: Caller,
  ): Promise<QueueEntryView> {
    return this.queue.setPriority(entryId, dto, caller);
  }
}
