import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../../database/columns';

export const QUEUE_STATUSES = ['waiting', 'called', 'done', 'no_show', 'left'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
/** Statuses of an entry still in the queue; the others are final. */
export const ACTIVE_STATUSES: readonly QueueStatus[] = ['waiting', 'called'];

/** One check-in: a client in a provider's queue of a day. */
@Entity('queue_entries')
export class QueueEntryEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'provider_id', type: 'integer' })
  providerId: number;

  @Column({ name: 'client_id', type: 'integer' })
  clientId: number;

  /** Null for a walk-in. */
  @Column({ name: 'appointment_id', type: 'integer', nullable: true })
  appointmentId: number | null;

  /** The provider's local date of the queue, `YYYY-MM-DD`. */
  @Column({ type: 'varchar', length: 10 })
  date: string;

  @Column({ type: 'varchar', length: 16 })
  status: QueueStatus;

  /** Where the entry stands in line: its appointment's start, or a walk-in's check-in time. */
  @Column({ name: 'queue_at', type: 'bigint', transformer: epochMs })
  queueAt: number;

  /** The appointment's start: the entry is never expected to be called before it. Null for a walk-in. */
  @Column({ name: 'appointment_start_at', type: 'bigint', nullable: true, transformer: epochMs })
  appointmentStartAt: number | null;

  /** The appointment's length, or a slot (15 minutes) for a walk-in. */
  @Column({ name: 'booked_minutes', type: 'integer' })
  bookedMinutes: number;

  @Column({ name: 'checked_in_at', type: 'bigint', transformer: epochMs })
  checkedInAt: number;

  @Column({ name: 'called_at', type: 'bigint', nullable: true, transformer: epochMs })
  calledAt: number | null;

  /** When the entry became done, no_show or left. For a done entry, calledAt → finishedAt is its service time. */
  @Column({ name: 'finished_at', type: 'bigint', nullable: true, transformer: epochMs })
  finishedAt: number | null;
}
