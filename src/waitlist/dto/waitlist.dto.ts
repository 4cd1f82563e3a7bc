import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDivisibleBy, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsCalendarDate, IsId, IsOmittable, IsQueryId } from '../../common/validators';
import { SLOTS_PER_DAY } from '../../scheduling/slots';
import { WAITLIST_STATUSES, WaitlistStatus } from '../entities/waitlist-entry.entity';

export class JoinWaitlistDto {
  /** @example 124 */
  @IsId()
  provider_id: number;

  /**
   * The client who waits (a client's key: its own id)
   * @example 7
   */
  @IsId()
  client_id: number;

  /**
   * The provider's local date waited for; not before the provider's today
   * @example '2026-07-28'
   */
  @IsCalendarDate()
  date: string;

  /**
   * Length of the appointment wanted: 15 to 240 in steps of 15 (leave out for 15)
   * @example 30
   */
  @ApiPropertyOptional({ default: 15 })
  @IsOmittable()
  @IsInt()
  @Min(15)
  @Max(240)
  @IsDivisibleBy(15, { message: 'duration_minutes must be a multiple of 15' })
  duration_minutes?: number;

  /**
   * An offer starts at or after this slot index (0 is 00:00, 36 is 09:00); leave out for the start of the day
   * @example 36
   */
  @ApiPropertyOptional({ default: 0 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(SLOTS_PER_DAY - 1)
  from_slot?: number;

  /**
   * An offer ends at or before this slot index (48 is 12:00; 96 the end of the day), after from_slot by at least the duration; leave out for the end of the day
   * @example 48
   */
  @ApiPropertyOptional({ default: SLOTS_PER_DAY })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(SLOTS_PER_DAY)
  to_slot?: number;
}

export class WaitlistQuery {
  /** @example 124 */
  @IsOptional()
  @IsQueryId()
  provider_id?: number;

  /** @example 7 */
  @IsOptional()
  @IsQueryId()
  client_id?: number;

  /** @example '2026-07-28' */
  @IsOptional()
  @IsCalendarDate()
  date?: string;
}

export class WaitlistEntryView {
  /** @example 52 */
  id: number;
  /** @example 124 */
  provider_id: number;
  /** @example 7 */
  client_id: number;
  /** @example '2026-07-28' */
  date: string;
  /** @example 30 */
  duration_minutes: number;
  /** @example 36 */
  from_slot: number;
  /** @example 48 */
  to_slot: number;
  /**
   * waiting; offered (a hold awaits the client's link); booked (the link was pressed); lapsed (the offer's hold lapsed or was cancelled: no further offer); left
   * @example 'offered'
   */
  @ApiProperty({ enum: WAITLIST_STATUSES })
  status: WaitlistStatus;
  /** @example '2026-07-20T09:12:00.000Z' */
  created_at: string;
  /**
   * The pending appointment of its offer (GET /api/appointments/{id}); null until offered
   * @example 812
   */
  appointment_id: number | null;
  /**
   * When the offer was made
   * @example '2026-07-27T16:03:11.000Z'
   */
  offered_at: string | null;
  /**
   * When the client left the waitlist
   * @example null
   */
  @ApiProperty({ type: String, nullable: true, example: null })
  left_at: string | null;
}

export class WaitlistList {
  items: WaitlistEntryView[];
}
