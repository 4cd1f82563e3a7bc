import { IsDivisibleBy, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsCalendarDate, IsId, IsQueryId, IsSlotTime, QueryInteger } from '../../common/validators';

export class PostScheduleDto {
  /**
   * YYYY-MM-DD
   * @example '2026-07-28'
   */
  @IsCalendarDate()
  date: string;

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

  /** @example 124 */
  @IsId()
  provider_id: number;
}

export class OpenSlotsQuery {
  /** @example 124 */
  @IsQueryId()
  provider_id: number;

  /** @example '2026-07-28' */
  @IsCalendarDate()
  date: string;

  /**
   * 15 to 240, in steps of 15
   * @example 30
   */
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(15)
  @Max(240)
  @IsDivisibleBy(15, { message: 'duration_minutes must be a multiple of 15' })
  // Applied here, so the listing and its documentation (the plugin reads the initializer) agree.
  duration_minutes?: number = 15;
}

export class SlotView {
  /**
   * Wall-clock start in minutes from local midnight / 15
   * @example 36
   */
  index: number;
  /** @example '09:00' */
  start_time: string;
  /** @example '09:15' */
  end_time: string;
  /** @example '2026-07-28T07:00:00.000Z' */
  start: string;
  /** @example '2026-07-28T07:15:00.000Z' */
  end: string;
}

export class WindowView {
  /** @example '09:00' */
  start_time: string;
  /** @example '17:00' */
  end_time: string;
}

export class ScheduleView {
  /** @example 124 */
  provider_id: number;
  /** @example '2026-07-28' */
  date: string;
  /** @example 'Europe/Paris' */
  time_zone: string;
  slots: SlotView[];
  /** The day's published windows after merging */
  windows?: WindowView[];
}
