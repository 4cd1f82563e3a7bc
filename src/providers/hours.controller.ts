import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { DateParamPipe } from '../common/date-param.pipe';
import { IdParamPipe } from '../common/id-param.pipe';
import { ApiProblems } from '../common/swagger';
import { DateOverrideView, PutDateOverrideDto, PutWeeklyHoursDto, WeeklyHoursView } from './dto/hours.dto';
import { HoursService } from './hours.service';

const DATE = ApiParam({ name: 'date', example: '2026-12-24', description: "A date in the provider's time zone, YYYY-MM-DD" });
const WHO = 'Who: the administrator, or the provider itself; to any other key the provider does not exist (404).';

/** A provider's open hours: weekly hours, and dates with hours of their own (overrides). */
@ApiTags('providers')
@ApiBearerAuth()
@Controller('providers')
export class HoursController {
  constructor(private readonly hours: HoursService) {}

  @Get(':id/weekly_hours')
  @ApiOperation({ summary: "Read a provider's weekly hours", description: WHO })
  @ApiResponse({ status: 200, type: WeeklyHoursView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PROVIDER_NOT_FOUND', 'RATE_LIMITED')
  getWeeklyHours(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<WeeklyHoursView> {
    return this.hours.weeklyHours(id, caller);
  }

  @Put(':id/weekly_hours')
  @ApiOperation({
    summary: "Replace a provider's weekly hours",
    description:
      `${WHO} The hours that every date without an override of its own has, by weekday (1 Monday to 7 Sunday), ` +
      'up to the booking horizon. Windows of one weekday that touch or overlap merge; the list replaces the ' +
      'previous one at once (an empty list clears it). Held and booked appointments stay as they are.',
  })
  @ApiResponse({ status: 200, type: WeeklyHoursView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PROVIDER_NOT_FOUND', 'RATE_LIMITED')
  putWeeklyHours(
    @Param('id', IdParamPipe) id: number,
    @Body() dto: PutWeeklyHoursDto,
    @CurrentCaller() caller: Caller,
  ): Promise<WeeklyHoursView> {
    return this.hours.replaceWeeklyHours(id, dto, caller);
  }

  @Get(':id/dates/:date')
  @DATE
  @ApiOperation({
    summary: "Read a date's own hours (its override)",
    description: `${WHO} 404 NOT_FOUND when the date keeps its weekly hours.`,
  })
  @ApiResponse({ status: 200, type: DateOverrideView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PROVIDER_NOT_FOUND', 'NOT_FOUND', 'RATE_LIMITED')
  getDateOverride(
    @Param('id', IdParamPipe) id: number,
    @Param('date', DateParamPipe) date: string,
    @CurrentCaller() caller: Caller,
  ): Promise<DateOverrideView> {
    return this.hours.dateOverride(id, date, caller);
  }

  @Put(':id/dates/:date')
  @DATE
  @ApiOperation({
    summary: 'Give a date hours of its own (an override), or take the day off',
    description:
      `${WHO} The windows replace the date's weekly hours or earlier override (an empty list: the day off); ` +
      "windows that touch or overlap merge. A date before the provider's today is refused. Held and booked " +
      'appointments stay as they are.',
  })
  @ApiResponse({ status: 200, type: DateOverrideView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PROVIDER_NOT_FOUND', 'RATE_LIMITED')
  putDateOverride(
    @Param('id', IdParamPipe) id: number,
    @Param('date', DateParamPipe) date: string,
    @Body() dto: PutDateOverrideDto,
    @CurrentCaller() caller: Caller,
  ): Promise<DateOverrideView> {
    return this.hours.replaceDateOverride(id, date, dto, caller);
  }

  @Delete(':id/dates/:date')
  @HttpCode(204)
  @DATE
  @ApiOperation({
    summary: "Remove a date's override: it keeps its weekly hours again",
    description: `${WHO} Idempotent: a date without an override answers 204 too. Held and booked appointments stay as they are.`,
  })
  @ApiResponse({ status: 204, description: 'The date is on its weekly hours' })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PROVIDER_NOT_FOUND', 'RATE_LIMITED')
  deleteDateOverride(
    @Param('id', IdParamPipe) id: number,
    @Param('date', DateParamPipe) date: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    return this.hours.removeDateOverride(id, date, caller);
  }
}
