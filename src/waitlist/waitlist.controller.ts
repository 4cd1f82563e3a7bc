import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { IdParamPipe } from '../common/id-param.pipe';
import { ApiProblems } from '../common/swagger';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { JoinWaitlistDto, WaitlistEntryView, WaitlistList, WaitlistQuery } from './dto/waitlist.dto';
import { WaitlistService } from './waitlist.service';

const ENTRY_ID = ApiParam({ name: 'id', example: 52, description: 'A waitlist entry id' });

@ApiTags('waitlist')
@ApiBearerAuth()
@Controller('waitlist')
export class WaitlistController {
  constructor(private readonly waitlist: WaitlistService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: "Join a provider's waitlist for a day",
    description:
      'Who: the administrator, or the client itself (client_id must be its own). When slots that fit open up ' +
      '(a cancellation, a lapsed hold, a reschedule, new hours), the longest-waiting entry that fits gets an offer: ' +
      'the earliest run of duration_minutes inside [from_slot, to_slot) is held for it as a request would hold it, and ' +
      'the client gets the usual validation email (delivery kind waitlist_offer); pressing its link books it (status ' +
      'booked); an offer that lapses goes to the next entry. The booking rules and caps apply: an entry they refuse is ' +
      'passed over and keeps waiting. One offer per entry. A date before the provider’s today, a reversed window or one ' +
      'too short for the duration: 400 naming the field.',
  })
  @ApiResponse({ status: 201, type: WaitlistEntryView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'PROVIDER_NOT_FOUND', 'CLIENT_NOT_FOUND', 'UNAVAILABLE')
  @Idempotent()
  joinWaitlist(@Body() dto: JoinWaitlistDto, @CurrentCaller() caller: Caller): Promise<WaitlistEntryView> {
    return this.waitlist.join(dto, caller);
  }

  @Get()
  @ApiOperation({
    summary: 'List waitlist entries, longest-waiting first',
    description:
      'Who: the administrator (any filter), the provider (its own entries; another provider_id is 403), the client ' +
      '(its own; another client_id is 403). An offered entry reads booked or lapsed as its appointment stands.',
  })
  @ApiResponse({ status: 200, type: WaitlistList })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'UNAVAILABLE')
  listWaitlist(@Query() query: WaitlistQuery, @CurrentCaller() caller: Caller): Promise<WaitlistList> {
    return this.waitlist.list(query, caller);
  }

  @Get(':id')
  @ENTRY_ID
  @ApiOperation({ summary: 'Read a waitlist entry', description: "Who: the administrator, the entry's provider or its client." })
  @ApiResponse({ status: 200, type: WaitlistEntryView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'NOT_FOUND', 'UNAVAILABLE')
  getWaitlistEntry(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<WaitlistEntryView> {
    return this.waitlist.get(id, caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ENTRY_ID
  @ApiOperation({
    summary: 'Leave the waitlist',
    description:
      "Who: the administrator, the entry's provider or its client. The entry is left and gets no offer from then on; " +
      'an offer still awaiting its link is cancelled, so its slots go to the next entry at once. A booked entry keeps ' +
      'its appointment (cancel that through its own route) and stays booked. Leaving twice answers 204 again.',
  })
  @ApiResponse({ status: 204, description: 'The entry has left the waitlist' })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'NOT_FOUND', 'UNAVAILABLE')
  leaveWaitlist(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<void> {
    return this.waitlist.leave(id, caller);
  }
}
