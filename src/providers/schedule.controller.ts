import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { ApiProblems } from '../common/swagger';
import { PostScheduleDto, ScheduleView } from './dto/schedule.dto';
import { ScheduleService } from './schedule.service';

/** Publishing a schedule; listing its open slots is the appointments module's (OpenSlotsController). */
@ApiTags('schedule')
@Controller('schedule')
export class ScheduleController {
  constructor(private readonly schedule: ScheduleService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: "Add a window to a date's open hours",
    description:
      'Who: the administrator, or the provider itself. Adds the window, cut into 15-minute slots, to the ' +
      "date's hours: a date still on its weekly hours first gets an override holding them, so the window adds " +
      'to what the date had. Windows that overlap or touch merge; posting the same body twice changes nothing. ' +
      "A date before the provider's today is refused (400 naming date); a date past the booking horizon may be " +
      'published (the horizon limits booking, not publishing).',
  })
  @ApiBearerAuth()
  @ApiResponse({ status: 201, type: ScheduleView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'PROVIDER_NOT_FOUND', 'RATE_LIMITED')
  postSchedule(@Body() dto: PostScheduleDto, @CurrentCaller() caller: Caller): Promise<ScheduleView> {
    return this.schedule.publish(dto, caller);
  }
}
