import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDivisibleBy, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsCalendarDate, IsId, IsOmittable, IsQueryId } from '../../common/validators';
import { SLOTS_PER_DAY } from '../../scheduling/slots';

export class RequestAppointmentDto {
  @ApiProperty({ example: '2026-07-28' })
  @IsCalendarDate()
  date: string;

  @ApiProperty({ example: 124 })
  @IsId()
  provider_id: number;

  @ApiProperty({ example: 7 })
  @IsId()
  client_id: number;

  @ApiProperty({ example: 58, description: 'Slot index on that date: 14:30 is 58', minimum: 0, maximum: SLOTS_PER_DAY - 1 })
  @IsInt()
  @Min(0)
  @Max(SLOTS_PER_DAY - 1)
  requested_slot: number;

  @ApiPropertyOptional({ example: 30, default: 15, description: '15 to 240 in steps of 15 (leave out for 15; null is refused)' })
  @IsOmittable()
  @IsInt()
  @Min(15)
  @Max(240)
  @IsDivisibleBy(15, { message: 'duration_minutes must be a multiple of 15' })
  duration_minutes?: number;
}

export class ListAppointmentsQuery {
  @ApiPropertyOptional({ example: 124 })
  @IsOptional()
  @IsQueryId()
  provider_id?: number;

  @ApiPropertyOptional({ example: 7 })
  @IsOptional()
  @IsQueryId()
  client_id?: number;

  @ApiPropertyOptional({ example: '2026-07-28' })
  @IsOptional()
  @IsCalendarDate()
  date?: string;
}

export class ValidateTokenDto {
  @ApiProperty({ description: 'The token from the validation link', example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  token: string;
}

export const APPOINTMENT_STATUSES = ['pending', 'confirmed', 'cancelled', 'expired'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** When and with whom: what every answer about an appointment carries. */
export class AppointmentTimesView {
  @ApiProperty({ example: 124 }) provider_id: number;
  @ApiProperty({ example: 7 }) client_id: number;
  @ApiProperty({ example: '2026-07-28' }) date: string;
  @ApiProperty({ example: '14:30' }) start_time: string;
  @ApiProperty({ example: '15:00' }) end_time: string;
  @ApiProperty({ example: '2026-07-28T12:30:00.000Z' }) start: string;
  @ApiProperty({ example: '2026-07-28T13:00:00.000Z' }) end: string;
  @ApiProperty({ example: 30 }) duration_minutes: number;
}

export class AppointmentView extends AppointmentTimesView {
  @ApiProperty({ example: 41 }) id: number;
  @ApiProperty({ enum: APPOINTMENT_STATUSES, example: 'confirmed' }) status: AppointmentStatus;
  @ApiPropertyOptional({ example: '2026-07-20T09:15:00.000Z' }) expires_at?: string;
  @ApiPropertyOptional({ example: '2026-07-20T09:03:12.000Z' }) confirmed_at?: string;
  @ApiPropertyOptional({ example: '2026-07-21T10:00:00.000Z' }) cancelled_at?: string;
}

export class PendingAppointmentView extends AppointmentTimesView {
  @ApiProperty({ example: 41 }) appointment_id: number;
  @ApiProperty({ example: 'pending', enum: ['pending'] }) status: 'pending';
  @ApiProperty({ example: '2026-07-20T09:15:00.000Z' }) expires_at: string;
}

export class AppointmentList {
  @ApiProperty({ type: [AppointmentView] }) items: AppointmentView[];
}

export class ConfirmationView {
  @ApiProperty({ example: 'confirmed', enum: ['confirmed'] }) status: 'confirmed';
  @ApiProperty({ type: AppointmentView }) appointment: AppointmentView;
}
