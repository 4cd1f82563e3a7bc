import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, Public } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { ApiProblems } from '../common/swagger';
import { OpenSlotsQuery, PostScheduleDto, ScheduleView } from './dto/schedule.dto';
import { ScheduleService } from './schedule.service';

@ApiTags('schedule')
@Controller('schedule')
export class ScheduleController {
  constructor(private readonly schedule: ScheduleService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: "Publish a provider's availability for a date",
    description:
      'Who: the administrator, or the provider itself. Cuts the window into 15-minute slots. ' +
      'Windows that overlap or touch merge; posting the same body twice changes nothing.',
  })
  @ApiBearerAuth()
  @ApiResponse({ status: 201, type: ScheduleView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'PROVIDER_NOT_FOUND', 'RATE_LIMITED')
  postSchedule(@Body() dto: PostScheduleDto, @CurrentCaller() caller: Caller): Promise<ScheduleView> {
    return this.schedule.publish(dto, caller);
  }

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
  getOpenSlots(@Query() query: OpenSlotsQuery): Promise<ScheduleView> {
    return this.schedule.openSlots(query);
  }
}
