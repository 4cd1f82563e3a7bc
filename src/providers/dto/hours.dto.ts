import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsListOf } from '../../common/list-validator';
import { IsSlotTime } from '../../common/validators';
import { SLOTS_PER_DAY } from '../../scheduling/slots';
import { SlotView, WindowView } from './schedule.dto';

export class WeeklyWindowDto {
  /**
   * 1 (Monday) to 7 (Sunday), as ISO 8601 numbers them
   * @example 1
   */
  @IsInt()
  @Min(1)
  @Max(7)
  weekday: number;

  /**
   * HH:mm in the provider's time zone, on a 15-minute boundary
   * @example '09:00'
   */
  @IsSlotTime()
  start_time: string;

  /**
   * HH:mm, after start_time; 24:00 ends the day
   * @example '17:00'
   */
  @IsSlotTime()
  end_time: string;
}

export class PutWeeklyHoursDto {
  /** Every window of the week (an empty list clears the weekly hours); windows of one weekday that touch or overlap merge */
  @ApiProperty({ type: [WeeklyWindowDto], maxItems: 7 * SLOTS_PER_DAY })
  @IsListOf(WeeklyWindowDto, 7 * SLOTS_PER_DAY)
  hours: WeeklyWindowDto[];
}

export class WeeklyHoursView {
  /** @example 124 */
  provider_id: number;
  /** @example 'Europe/Paris' */
  time_zone: string;
  /** Merged, by weekday then start */
  hours: WeeklyWindowDto[];
}

export class DayWindowDto {
  /**
   * HH:mm in the provider's time zone, on a 15-minute boundary
   * @example '09:00'
   */
  @IsSlotTime()
  start_time: string;

  /**
   * HH:mm, after start_time; 24:00 ends the day
   * @example '12:00'
   */
  @IsSlotTime()
  end_time: string;
}

export class PutDateOverrideDto {
  /** The date's hours, replacing its weekly hours (an empty list: the day off); windows that touch or overlap merge */
  @ApiProperty({ type: [DayWindowDto], maxItems: SLOTS_PER_DAY })
  @IsListOf(DayWindowDto, SLOTS_PER_DAY)
  windows: DayWindowDto[];
}

export class DateOverrideView {
  /** @example 124 */
  provider_id: number;
  /** @example '2026-12-24' */
  date: string;
  /** @example 'Europe/Paris' */
  time_zone: string;
  /** The date's hours as written, merged */
  windows: WindowView[];
  /** The real 15-minute slots of those windows that day (wall times a daylight-saving jump skips are left out) */
  slots: SlotView[];
}
