import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../../database/columns';

export type StoredAppointmentStatus = 'pending' | 'confirmed' | 'cancelled';

@Entity('appointments')
@Index('appointments_provider_date', ['providerId', 'date'])
@Index('appointments_client', ['clientId'])
export class AppointmentEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'provider_id', type: 'integer' })
  providerId: number;

  @Column({ name: 'client_id', type: 'integer' })
  clientId: number;

  @Column({ type: 'varchar', length: 10 })
  date: string;

  /** Comma-separated slot indexes, in time order. */
  @Column({ name: 'slot_indexes', type: 'varchar', length: 400 })
  slotIndexes: string;

  /** Wall-clock labels in the provider's zone, kept so listings need no zone arithmetic. */
  @Column({ name: 'start_time', type: 'varchar', length: 5 })
  startTime: string;

  @Column({ name: 'end_time', type: 'varchar', length: 5 })
  endTime: string;

  @Column({ name: 'start_at', type: 'bigint', transformer: epochMs })
  startAt: number;

  @Column({ name: 'end_at', type: 'bigint', transformer: epochMs })
  endAt: number;

  @Column({ type: 'varchar', length: 16 })
  status: StoredAppointmentStatus;

  /** The hold's id: the `jti` of its token. */
  @Column({ name: 'hold_id', type: 'varchar', length: 36, unique: true })
  holdId: string;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'confirmed_at', type: 'bigint', nullable: true, transformer: epochMs })
  confirmedAt: number | null;

  @Column({ name: 'cancelled_at', type: 'bigint', nullable: true, transformer: epochMs })
  cancelledAt: number | null;
}
