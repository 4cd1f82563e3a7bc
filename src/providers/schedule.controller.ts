import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
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
      'Cuts the window into 15-minute slots. Windows that overlap or touch merge; posting the same body twice changes nothing.',
  })
  @ApiResponse({ status: 201, type: ScheduleView })
  @ApiProblems('VALIDATION_FAILED', 'PROVIDER_NOT_FOUND')
  postSchedule(@Body() dto: PostScheduleDto): Promise<ScheduleView> {
    return this.schedule.publish(dto);
  }

  @Get()
  @ApiOperation({
    summary: "List a provider's open slots on a date",
    description: 'Open: published, neither held nor booked, not started. With duration_minutes, only starts where that long fits.',
  })
  @ApiResponse({ status: 200, type: ScheduleView })
  @ApiProblems('VALIDATION_FAILED', 'PROVIDER_NOT_FOUND', 'UNAVAILABLE')
  getOpenSlots(@Query() query: OpenSlotsQuery): Promise<ScheduleView> {
    return this.schedule.openSlots(query);
  }
}
