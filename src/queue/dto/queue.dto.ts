import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IsCalendarDate, IsId, IsQueryId } from '../../common/validators';
import { QUEUE_STATUSES, QueueStatus } from '../entities/queue-entry.entity';

const isWalkIn = (dto: CheckInDto) => dto.appointment_id === undefined;

/** `{"appointment_id"}` for a confirmed appointment of today, or `{"provider_id","client_id"}` for a walk-in. */
export class CheckInDto {
  @ApiPropertyOptional({ example: 41, description: 'A confirmed appointment of today (leave out for a walk-in)' })
  @ValidateIf((dto: CheckInDto) => !isWalkIn(dto) || dto.provider_id === undefined || dto.client_id === undefined)
  @IsDefined({ message: 'appointment_id is required: give appointment_id, or provider_id and client_id for a walk-in' })
  @IsId()
  appointment_id?: number;

  @ApiPropertyOptional({
    example: 124,
    description: 'A walk-in: the provider whose queue to join. With appointment_id, it must be that appointment’s provider.',
  })
  @ValidateIf((dto: CheckInDto) => isWalkIn(dto) || dto.provider_id !== undefined)
  @IsId()
  provider_id?: number;

  @ApiPropertyOptional({ example: 7, description: 'A walk-in: the client. With appointment_id, it must be that appointment’s client.' })
  @ValidateIf((dto: CheckInDto) => isWalkIn(dto) || dto.client_id !== undefined)
  @IsId()
  client_id?: number;
}

export class CallNextDto {
  @ApiProperty({ example: 124 })
  @IsId()
  provider_id: number;
}

export class QueueQuery {
  @ApiProperty({ example: 124 })
  @IsQueryId()
  provider_id: number;

  @ApiPropertyOptional({ example: '2026-07-28', description: "Default: the provider's today, in its time zone" })
  @IsOptional()
  @IsCalendarDate()
  date?: string;
}

/** An EventSource cannot send headers, so event streams also take the API key in the query. */
export class StreamAccessQuery {
  @ApiPropertyOptional({ example: 'prv_3q2-7wEtQnbFv6yGQk8yYb1JcHj0cX2mYV4a9xK1pZs', description: 'The API key, for EventSource' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  access_token?: string;
}

export class QueueEventsQuery extends IntersectionType(QueueQuery, StreamAccessQuery) {}

export class QueueEntryView {
  @ApiProperty({ example: 311 }) entry_id: number;
  @ApiProperty({ example: 124 }) provider_id: number;
  @ApiProperty({ example: 7 }) client_id: number;
  @ApiProperty({ example: 41, nullable: true, type: Number, description: 'Null for a walk-in' }) appointment_id: number | null;
  @ApiProperty({ example: '2026-07-28' }) date: string;
  @ApiProperty({ enum: QUEUE_STATUSES, example: 'waiting' }) status: QueueStatus;
  @ApiProperty({
    example: 2,
    nullable: true,
    type: Number,
    description: '1 for the next to be called, 0 while being served, null once done, no_show or left',
  })
  position: number | null;
  @ApiProperty({
    example: 25,
    nullable: true,
    type: Number,
    description: 'Minutes until this entry is likely called (0 while being served; null once out of the queue)',
  })
  expected_wait_minutes: number | null;
  @ApiProperty({
    example: '2026-07-28T07:55:00.000Z',
    nullable: true,
    type: String,
    description: 'When this entry is likely called (its call time while being served; null once out of the queue)',
  })
  expected_start: string | null;
  @ApiProperty({ example: '2026-07-28T07:30:00.000Z', nullable: true, type: String, description: "The appointment's start; null for a walk-in" })
  appointment_start: string | null;
  @ApiProperty({ example: 30, description: 'The booked duration (15 for a walk-in)' }) booked_minutes: number;
  @ApiProperty({ example: '2026-07-28T07:21:40.000Z' }) checked_in_at: string;
  @ApiProperty({ example: '2026-07-28T07:55:12.000Z', nullable: true, type: String }) called_at: string | null;
  @ApiProperty({ example: '2026-07-28T08:20:31.000Z', nullable: true, type: String, description: 'When it became done, no_show or left' })
  finished_at: string | null;
}

const ENTRY_EXAMPLE: QueueEntryView = {
  entry_id: 310,
  provider_id: 124,
  client_id: 5,
  appointment_id: 40,
  date: '2026-07-28',
  status: 'called',
  position: 0,
  expected_wait_minutes: 0,
  expected_start: '2026-07-28T07:31:02.000Z',
  appointment_start: '2026-07-28T07:30:00.000Z',
  booked_minutes: 30,
  checked_in_at: '2026-07-28T07:20:00.000Z',
  called_at: '2026-07-28T07:31:02.000Z',
  finished_at: null,
};

export class QueueView {
  @ApiProperty({ example: 124 }) provider_id: number;
  @ApiProperty({ example: '2026-07-28' }) date: string;
  @ApiProperty({ type: QueueEntryView, nullable: true, example: ENTRY_EXAMPLE, description: 'The entry being served, if any' })
  now_serving: QueueEntryView | null;
  @ApiProperty({ type: [QueueEntryView], description: 'Everyone in the queue: the one being served (position 0), then those waiting, in order' })
  entries: QueueEntryView[];
  @ApiProperty({
    example: 18.5,
    description:
      "What this provider's services have taken lately (a moving average of measured service times, in minutes); " +
      'before any service is measured, the average booked duration of the queue (15 when empty)',
  })
  average_service_minutes: number;
  @ApiProperty({ example: 1.2, description: 'How long services take against their booking (1 = as booked); expected service time = booked × pace' })
  pace: number;
  @ApiProperty({ example: 17, description: 'Grows with every change of this queue; the id of its events' }) revision: number;
}

export class NextView {
  @ApiProperty({ type: QueueEntryView, nullable: true, example: { ...ENTRY_EXAMPLE, status: 'done', position: null, expected_wait_minutes: null, expected_start: null, finished_at: '2026-07-28T07:58:40.000Z' } })
  completed: QueueEntryView | null;
  @ApiProperty({ type: QueueEntryView, nullable: true, example: { ...ENTRY_EXAMPLE, entry_id: 311, client_id: 7, appointment_id: null, appointment_start: null, booked_minutes: 15 } })
  now_serving: QueueEntryView | null;
}
