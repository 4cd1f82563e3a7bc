import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../access/access.decorators';
import { ApiProblems } from '../common/swagger';
import { OpenSlotsQuery, ScheduleView } from '../providers/dto/schedule.dto';
import { OpenSlotsService } from './open-slots.service';

/** Open slots are what is published less what is held or booked: the booking side composes them. */
@ApiTags('schedule')
@Controller('schedule')
export class OpenSlotsController {
  constructor(private readonly openSlots: OpenSlotsService) {}

  @Get()
  @ApiOperation({
    summary: "List a provider's open slots on a date",
    description:
      'Who: anyone, no key needed. Open: published, neither held nor booked, not started. ' +
      'With duration_minutes, only starts where that long fits.',
  })
  @Public()
  @ApiResponse({ status: 200, type: ScheduleView })
  @ApiProblems('VALIDATION_FAILED', 'PROVIDER_NOT_FOUND', 'RATE_LIMITED', 'UNAVAILABLE')
  // The answer is a ScheduleView serialised once per cached day (OpenSlotsService), sent as it is.
  @Header('Content-Type', 'application/json; charset=utf-8')
  getOpenSlots(@Query() query: OpenSlotsQuery): Promise<Buffer> {
    return this.openSlots.listing(query);
  }
}
