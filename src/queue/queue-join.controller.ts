import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CountsRecipient, Public, SendsMessages } from '../access/access.decorators';
import { FormErrorsAsPages } from '../appointments/form-errors-as-pages.interceptor';
import { renderPage, wantsHtml } from '../appointments/html-pages';
import { AcceptsForm } from '../common/request-body';
import { ApiProblems } from '../common/swagger';
import { QueueEntryView } from './dto/queue.dto';
import { JoinEventsQuery, JoinQueueDto, JoinRequestedView, JoinTokenDto } from './dto/queue-join.dto';
import { joinErrorPage } from './queue-join-pages';
import { QueueJoinPages } from './queue-join-pages.service';
import { QueueJoinService } from './queue-join.service';

const HTML_PAGE = { 'text/html': { schema: { type: 'string' } } };
const TOKEN_QUERY = ApiQuery({ name: 'token', required: true, description: 'The token of the join link' });
const ENTRY_EVENT_EXAMPLE =
  'retry: 3000\n\nevent: entry\nid: 17\ndata: {"entry_id":311,"status":"waiting","position":2,"expected_wait_minutes":25,"remote":true,…}\n\n';

/** Where a join request's message goes: the phone when one is given (an empty field is none), else the address. */
function joinRecipient(body: unknown): unknown {
  const { phone, email } = (typeof body === 'object' && body !== null ? body : {}) as { phone?: unknown; email?: unknown };
  return typeof phone === 'string' && phone !== '' ? phone : email;
}

/**
 * Remote join of a provider's walk-in queue, for people who hold no API key: the join page and its request,
 * then the link sent to their phone or address (the token is the credential), whose button checks them in.
 */
@ApiTags('queue')
@ApiExtraModels(JoinQueueDto)
@Public()
@Controller('queue/join')
export class QueueJoinController {
  constructor(
    private readonly joins: QueueJoinService,
    private readonly pages: QueueJoinPages,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The page to join a walk-in queue remotely',
    description:
      "Who: anyone, no key needed. A phone-sized form (name, and a phone or an email) that POSTs to /api/queue/join to join the provider's walk-in queue of today.",
  })
  @ApiProduces('text/html')
  @ApiQuery({ name: 'provider_id', required: true, example: 124 })
  @ApiResponse({ status: 200, description: 'The join page', content: HTML_PAGE })
  @ApiResponse({ status: 400, description: 'A bad provider_id (VALIDATION_FAILED) page', content: HTML_PAGE })
  @ApiResponse({ status: 404, description: 'Unknown provider (PROVIDER_NOT_FOUND) page', content: HTML_PAGE })
  showJoinPage(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return renderPage(reply, () => this.pages.show(query), joinErrorPage);
  }

  @Post()
  @HttpCode(202)
  @AcceptsForm()
  @SendsMessages()
  @CountsRecipient(joinRecipient)
  @ApiOperation({
    summary: "Ask to join a provider's walk-in queue of today remotely",
    description:
      "Who: anyone, no key needed; counted against the mail routes' rate limit per network address and per phone or " +
      'address. A link is sent by text to `phone` when given, else by email to `email` (an empty field counts as absent; ' +
      'one of them is required). Nothing joins the queue until the link is opened and its button pressed, within 30 ' +
      'minutes and on the same day: the person is then checked in as a walk-in from that moment, and the same link shows ' +
      'their place, live. At most QUEUE_MAX_REMOTE remote entries wait per provider; past it, 409 QUEUE_FULL (here, and ' +
      'again when the button is pressed). JSON → 202 JSON; form-encoded from the page → 202 a page (a refused form is ' +
      'shown again with the reason, with the matching status).',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({
    schema: { $ref: getSchemaPath(JoinQueueDto) },
    examples: {
      byText: { summary: 'The link by text', value: { provider_id: 124, name: 'Grace Hopper', phone: '+14155550199' } },
      byEmail: { summary: 'The link by email', value: { provider_id: 124, name: 'Ada Lovelace', email: 'ada@example.com' } },
      fromThePage: {
        summary: 'As the page posts it (form-encoded), an empty phone',
        value: { provider_id: '124', name: 'Ada Lovelace', phone: '', email: 'ada@example.com' },
      },
    },
  })
  @ApiResponse({ status: 202, type: JoinRequestedView, description: 'The link is on its way (a page, for the form)' })
  @ApiProblems('VALIDATION_FAILED', 'PROVIDER_NOT_FOUND', 'QUEUE_FULL', 'RATE_LIMITED', 'UNAVAILABLE')
  requestQueueJoin(
    @Body() body: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JoinRequestedView | string> {
    return wantsHtml(accept) ? renderPage(reply, () => this.pages.requestFromForm(body), joinErrorPage) : this.pages.request(body);
  }

  @Get('entry')
  @ApiOperation({
    summary: 'The page behind the join link',
    description:
      'Who: anyone with the link (the token is the credential). Before its button is pressed: who joins which queue, ' +
      'and the button (a GET joins nothing, so link scanners join nobody). After: the entry — its place, expected wait ' +
      'and status — updated live from /api/queue/join/events. A link not pressed in time: 410 page (HOLD_EXPIRED).',
  })
  @ApiProduces('text/html')
  @TOKEN_QUERY
  @ApiResponse({ status: 200, description: 'The button, or the entry followed live', content: HTML_PAGE })
  @ApiResponse({ status: 401, description: 'Invalid link (TOKEN_INVALID) page', content: HTML_PAGE })
  @ApiResponse({ status: 410, description: 'Link expired unused (HOLD_EXPIRED) page', content: HTML_PAGE })
  showJoinLinkPage(@Query('token') token: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return renderPage(reply, () => this.pages.openLink(token), joinErrorPage);
  }

  @Post('entry')
  @HttpCode(200)
  @AcceptsForm()
  @UseInterceptors(FormErrorsAsPages)
  @ApiOperation({
    summary: 'Press the join link’s button: join the queue now',
    description:
      'Who: anyone with the token. Checks the person in as a walk-in from this moment and answers the entry; pressed ' +
      'again (a second tab, a double click), the same entry. JSON → the entry; form-encoded from the page → the entry’s ' +
      'live page. 410 HOLD_EXPIRED past the link’s 30 minutes or its day; 409 QUEUE_FULL when QUEUE_MAX_REMOTE remote ' +
      'entries wait already.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiResponse({ status: 200, type: QueueEntryView })
  @ApiProblems('VALIDATION_FAILED', 'TOKEN_INVALID', 'PROVIDER_NOT_FOUND', 'QUEUE_FULL', 'HOLD_EXPIRED', 'RATE_LIMITED', 'UNAVAILABLE')
  pressJoinLink(
    @Body() dto: JoinTokenDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<QueueEntryView | string> {
    return wantsHtml(accept) ? renderPage(reply, () => this.pages.pressFromForm(dto.token), joinErrorPage) : this.joins.press(dto.token);
  }

  @Get('events')
  @ApiOperation({
    summary: 'Follow the entry of a join link (server-sent events)',
    description:
      'A text/event-stream, as GET /api/queue/entries/{entry_id}/events: an event `entry` with the entry on connect and ' +
      'each time its position, status or expected wait changes. Who: anyone with a join link whose button was pressed ' +
      '(the token is the credential; 404 NOT_FOUND before). At most 100 streams per entry at once.',
  })
  @ApiProduces('text/event-stream')
  @TOKEN_QUERY
  @ApiResponse({
    status: 200,
    description: 'The event stream',
    content: { 'text/event-stream': { schema: { type: 'string', example: ENTRY_EVENT_EXAMPLE } } },
  })
  @ApiProblems('VALIDATION_FAILED', 'TOKEN_INVALID', 'NOT_FOUND', 'RATE_LIMITED', 'UNAVAILABLE')
  streamJoinedEntry(@Query() query: JoinEventsQuery, @Res() reply: FastifyReply): Promise<void> {
    return this.pages.stream(reply, query.token);
  }
}
