import { Entity, PrimaryColumn } from 'typeorm';

/** One 15-minute slot a provider has published for a date; posting a window inserts its slots. */
@Entity('availability_slots')
export class AvailabilitySlotEntity {
  @PrimaryColumn({ name: 'provider_id', type: 'integer' })
  providerId: number;

  @PrimaryColumn({ type: 'varchar', length: 10 })
  date: string;

  @PrimaryColumn({ name: 'slot_index', type: 'smallint' })
  slotIndex: number;
}
