import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDivisibleBy, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { CreateClientDto } from '../../clients/dto/client.dto';
import { IsCalendarDate, IsId, IsOmittable, IsQueryId, IsReason, MAX_REASON_LENGTH } from '../../common/validators';
import { SLOTS_PER_DAY } from '../../scheduling/slots';

/** Who books without an account: the client with this address is used, or registered (no key is issued). */
export class GuestClientDto extends CreateClientDto {}

export class RequestAppointmentDto {
  /** @example '2026-07-28' */
  @IsCalendarDate()
  date: string;

  /** @example 124 */
  @IsId()
  provider_id: number;

  /**
   * With an API key: the client booked for (a client's key: its own id). Without a key, send `client` instead.
   * @example 7
   */
  @IsOmittable()
  @IsId()
  client_id?: number;

  /** Without an API key (a guest booking): who books. Not together with client_id. */
  @ApiPropertyOptional({ type: () => GuestClientDto, example: { name: 'Grace Hopper', email: 'grace@example.com' } })
  @IsOmittable()
  // ValidateNested alone would check each item of a list as a guest.
  @IsObject({ message: 'client must be an object {"name","email","phone"?}' })
  @ValidateNested()
  @Type(() => GuestClientDto)
  client?: GuestClientDto;

  /**
   * Slot index on that date: 14:30 is 58
   * @example 58
   */
  @IsInt()
  @Min(0)
  @Max(SLOTS_PER_DAY - 1)
  requested_slot: number;

  /**
   * 15 to 240 in steps of 15 (leave out for 15; null is refused)
   * @example 30
   */
  @ApiPropertyOptional({ default: 15 })
  @IsOmittable()
  @IsInt()
  @Min(15)
  @Max(240)
  @IsDivisibleBy(15, { message: 'duration_minutes must be a multiple of 15' })
  duration_minutes?: number;
}

/** What the request path books: the slots asked for, for a client already known. */
export type ClientSlotRequest = Omit<RequestAppointmentDto, 'client_id' | 'client'> & { client_id: number };

export class RescheduleAppointmentDto {
  /** @example '2026-07-29' */
  @IsCalendarDate()
  date: string;

  /**
   * Slot index of the new start on that date: 10:00 is 40
   * @example 40
   */
  @IsInt()
  @Min(0)
  @Max(SLOTS_PER_DAY - 1)
  requested_slot: number;

  /**
   * 15 to 240 in steps of 15; leave out to keep the appointment's length (null is refused)
   * @example 30
   */
  @IsOmittable()
  @IsInt()
  @Min(15)
  @Max(240)
  @IsDivisibleBy(15, { message: 'duration_minutes must be a multiple of 15' })
  duration_minutes?: number;
}

export class CancelAppointmentDto {
  /**
   * Why, told to the other party and kept as cancellation_reason: 1 to 500 characters, at least one
   * visible; line breaks allowed
   * @example 'The clinic is closed that day'
   */
  @ApiPropertyOptional({ minLength: 1, maxLength: MAX_REASON_LENGTH })
  @IsOmittable()
  @IsReason()
  reason?: string;
}

export class ListAppointmentsQuery {
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

export class ValidateTokenDto {
  /**
   * The token from the validation link
   * @example 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…'
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  token: string;
}

export const APPOINTMENT_STATUSES = ['pending', 'confirmed', 'cancelled', 'expired'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** When and with which provider: what every answer about an appointment carries. */
export class AppointmentSlotsView {
  /** @example 124 */
  provider_id: number;
  /** @example '2026-07-28' */
  date: string;
  /** @example '14:30' */
  start_time: string;
  /** @example '15:00' */
  end_time: string;
  /** @example '2026-07-28T12:30:00.000Z' */
  start: string;
  /** @example '2026-07-28T13:00:00.000Z' */
  end: string;
  /** @example 30 */
  duration_minutes: number;
}

/** When and with whom. */
export class AppointmentTimesView extends AppointmentSlotsView {
  /** @example 7 */
  client_id: number;
}

export class AppointmentView extends AppointmentTimesView {
  /** @example 41 */
  id: number;
  /** @example 'confirmed' */
  // Listed in their lifecycle's order: a union's order is the compiler's, not the code's.
  @ApiProperty({ enum: APPOINTMENT_STATUSES })
  status: AppointmentStatus;
  /** @example '2026-07-20T09:15:00.000Z' */
  expires_at?: string;
  /** @example '2026-07-20T09:03:12.000Z' */
  confirmed_at?: string;
  /** @example '2026-07-21T10:00:00.000Z' */
  cancelled_at?: string;
  /** When it last moved (a reschedule) @example '2026-07-21T09:30:00.000Z' */
  rescheduled_at?: string;
  /** The reason its cancellation gave @example 'The clinic is closed that day' */
  cancellation_reason?: string;
}

export class PendingAppointmentView extends AppointmentSlotsView {
  /** @example 41 */
  appointment_id: number;
  /** @example 'pending' */
  status: 'pending';
  /**
   * The client booked for; null in a guest booking's answer, which never tells whether the address was known
   * @example 7
   */
  @ApiProperty({ type: 'integer', nullable: true })
  client_id: number | null;
  /** @example '2026-07-20T09:15:00.000Z' */
  expires_at: string;
}

export class AppointmentList {
  items: AppointmentView[];
}

export class ConfirmationView {
  /** @example 'confirmed' */
  status: 'confirmed';
  appointment: AppointmentView;
}
