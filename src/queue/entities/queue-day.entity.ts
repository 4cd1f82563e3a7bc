import { Column, Entity, PrimaryColumn } from 'typeorm';
import { QueueEntryEntity } from './queue-entry.entity';

/**
 * A provider's queue of one day. Every change bumps `revision` inside its transaction: the row lock
 * this takes serializes the changes of one queue (on PostgreSQL), and the revision orders the events
 * that announce them, so a subscriber never goes back to an older state.
 */
@Entity('queue_days')
export class QueueDayEntity {
  @PrimaryColumn({ name: 'provider_id', type: 'integer' })
  providerId: number;

  @PrimaryColumn({ type: 'varchar', length: 10 })
  date: string;

  @Column({ type: 'integer' })
  revision: number;

  /** The entries still in the queue, when loaded with them (not a column). */
  active?: QueueEntryEntity[];
}
