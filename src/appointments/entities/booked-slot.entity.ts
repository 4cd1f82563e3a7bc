import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../../database/columns';

/**
 * A slot taken by a confirmed appointment. The primary key (provider, slot start) is what makes a
 * double booking impossible, whatever happens to the hold store.
 */
@Entity('booked_slots')
@Index('booked_slots_provider_date', ['providerId', 'date', 'slotIndex'])
@Index('booked_slots_appointment', ['appointmentId'])
export class BookedSlotEntity {
  @PrimaryColumn({ name: 'provider_id', type: 'integer' })
  providerId: number;

  @PrimaryColumn({ name: 'starts_at', type: 'bigint', transformer: epochMs })
  startsAt: number;

  @Column({ type: 'varchar', length: 10 })
  date: string;

  @Column({ name: 'slot_index', type: 'smallint' })
  slotIndex: number;

  @Column({ name: 'appointment_id', type: 'integer' })
  appointmentId: number;
}
