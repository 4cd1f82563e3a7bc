import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { IsBoolean, IsDefined, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IsCalendarDate, IsId, IsQueryId } from '../../common/validators';
import { QUEUE_STATUSES, QueueStatus } from '../entities/queue-entry.entity';

const isWalkIn = (dto: CheckInDto) => dto.appointment_id === undefined;

/** `{"appointment_id"}` for a confirmed appointment of today, or `{"provider_id","client_id"}` for a walk-in. */
export class CheckInDto {
  /**
   * A confirmed appointment of today (leave out for a walk-in)
   * @example 41
   */
  @ValidateIf((dto: CheckInDto) => !isWalkIn(dto) || dto.provider_id === undefined || dto.client_id === undefined)
  @IsDefined({ message: 'appointment_id is required: give appointment_id, or provider_id and client_id for a walk-in' })
  @IsId()
  appointment_id?: number;

  /**
   * A walk-in: the provider whose queue to join. With appointment_id, it must be that appointment’s provider.
   * @example 124
   */
  @ValidateIf((dto: CheckInDto) => isWalkIn(dto) || dto.provider_id !== undefined)
  @IsId()
  provider_id?: number;

  /**
   * A walk-in: the client. With appointment_id, it must be that appointment’s client.
   * @example 7
   */
  @ValidateIf((dto: CheckInDto) => isWalkIn(dto) || dto.client_id !== undefined)
  @IsId()
  client_id?: number;
}

export class CallNextDto {
  /** @example 124 */
  @IsId()
  provider_id: number;
}

export class PriorityDto {
  /**
   * true: called before the others (never more than QUEUE_PRIORITY_STREAK priority calls in a row while a non-priority entry waits); false: back to the usual order
   * @example true
   */
  @IsDefined({ message: 'priority is required: true or false' })
  @IsBoolean()
  priority: boolean;
}

export class QueueQuery {
  /** @example 124 */
  @IsQueryId()
  provider_id: number;

  /**
   * Default: the provider's today, in its time zone
   * @example '2026-07-28'
   */
  @IsOptional()
  @IsCalendarDate()
  date?: string;
}

/** An EventSource cannot send headers, so event streams also take the API key in the query. */
export class StreamAccessQuery {
  /**
   * The API key, for EventSource
   * @example 'prv_3q2-7wEtQnbFv6yGQk8yYb1JcHj0cX2mYV4a9xK1pZs'
   */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  access_token?: string;
}

export class QueueEventsQuery extends IntersectionType(QueueQuery, StreamAccessQuery) {}

export class QueueEntryView {
  /** @example 311 */
  entry_id: number;
  /** @example 124 */
  provider_id: number;
  /**
   * Null for someone who joined remotely (see remote)
   * @example 7
   */
  client_id: number | null;
  /**
   * Whether the entry joined remotely, from a link (GET /api/queue/join), without a client record
   * @example false
   */
  remote: boolean;
  /**
   * The name typed by someone who joined remotely; null on every other entry
   * @example 'Grace Hopper'
   */
  remote_name: string | null;
  /**
   * Null for a walk-in
   * @example 41
   */
  appointment_id: number | null;
  /** @example '2026-07-28' */
  date: string;
  /** @example 'waiting' */
  // Listed in their lifecycle's order: a union's order is the compiler's, not the code's.
  @ApiProperty({ enum: QUEUE_STATUSES })
  status: QueueStatus;
  /**
   * The day's ticket, shown on the display board instead of a name: a letter and three digits, unique per provider and day (A-001 … A-999, then B-001)
   * @example 'A-017'
   */
  ticket: string;
  /**
   * Called before the others (POST /api/queue/entries/{entry_id}/priority)
   * @example false
   */
  priority: boolean;
  /**
   * 1 for the next to be called, 0 while being served, null once done, no_show or left
   * @example 2
   */
  position: number | null;
  /**
   * Minutes until this entry is likely called (0 while being served; null once out of the queue)
   * @example 25
   */
  expected_wait_minutes: number | null;
  /**
   * Minutes [low, high] that hold the real wait about 80 % of the time, around expected_wait_minutes ([0, 0] while being served; null once out of the queue)
   * @example [15, 38]
   */
  @ApiProperty({ type: [Number], nullable: true, minItems: 2, maxItems: 2, example: [15, 38] })
  expected_wait_range_minutes: [number, number] | null;
  /**
   * When this entry is likely called (its call time while being served; null once out of the queue)
   * @example '2026-07-28T07:55:00.000Z'
   */
  expected_start: string | null;
  /**
   * The appointment's start; null for a walk-in
   * @example '2026-07-28T07:30:00.000Z'
   */
  appointment_start: string | null;
  /**
   * The booked duration (15 for a walk-in)
   * @example 30
   */
  booked_minutes: number;
  /** @example '2026-07-28T07:21:40.000Z' */
  checked_in_at: string;
  /** @example '2026-07-28T07:55:12.000Z' */
  called_at: string | null;
  /**
   * When it became done, no_show or left
   * @example '2026-07-28T08:20:31.000Z'
   */
  finished_at: string | null;
}

const ENTRY_EXAMPLE: QueueEntryView = {
  entry_id: 310,
  provider_id: 124,
  client_id: 5,
  remote: false,
  remote_name: null,
  appointment_id: 40,
  date: '2026-07-28',
  status: 'called',
  ticket: 'A-016',
  priority: false,
  position: 0,
  expected_wait_minutes: 0,
  expected_wait_range_minutes: [0, 0],
  expected_start: '2026-07-28T07:31:02.000Z',
  appointment_start: '2026-07-28T07:30:00.000Z',
  booked_minutes: 30,
  checked_in_at: '2026-07-28T07:20:00.000Z',
  called_at: '2026-07-28T07:31:02.000Z',
  finished_at: null,
};

export class QueueView {
  /** @example 124 */
  provider_id: number;
  /** @example '2026-07-28' */
  date: string;
  /** The entry being served, if any */
  @ApiProperty({ example: ENTRY_EXAMPLE })
  now_serving: QueueEntryView | null;
  /** Everyone in the queue: the one being served (position 0), then those waiting, in order */
  entries: QueueEntryView[];
  /**
   * What this provider's services have taken lately (a moving average of measured service times, in minutes); before any service is measured, the average booked duration of the queue (15 when empty)
   * @example 18.5
   */
  average_service_minutes: number;
  /**
   * How long a service starting now is expected to take against its booking (1 = as booked): expected service time = booked × pace (learned by time of day from the provider's measured services, see the README)
   * @example 1.2
   */
  pace: number;
  /**
   * Grows with every change of this queue; the id of its events
   * @example 17
   */
  revision: number;
}

export class NextView {
  @ApiProperty({
    example: {
      ...ENTRY_EXAMPLE,
      status: 'done',
      position: null,
      expected_wait_minutes: null,
      expected_wait_range_minutes: null,
      expected_start: null,
      finished_at: '2026-07-28T07:58:40.000Z',
    },
  })
  completed: QueueEntryView | null;
  @ApiProperty({
    example: {
      ...ENTRY_EXAMPLE,
      entry_id: 311,
      client_id: 7,
      appointment_id: null,
      ticket: 'A-017',
      appointment_start: null,
      booked_minutes: 15,
    },
  })
  now_serving: QueueEntryView | null;
}
