import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Transactions } from '../database/transactions';
import { AvailabilitySlotEntity } from './entities/availability-slot.entity';
import { ProviderEntity } from './entities/provider.entity';

@Injectable()
export class ScheduleRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: Transactions,
  ) {}

  /** Publishes slots; ones already published are left alone, so windows merge and reposting changes nothing. */
  async publish(providerId: number, date: string, slotIndexes: number[]): Promise<void> {
    if (slotIndexes.length === 0) return;
    await this.transactions.write((manager) =>
      manager
        .createQueryBuilder()
        .insert()
        .into(AvailabilitySlotEntity)
        .values(slotIndexes.map((slotIndex) => ({ providerId, date, slotIndex })))
        .orIgnore()
        .execute(),
    );
  }

  async publishedIndexes(providerId: number, date: string): Promise<number[]> {
    const rows = await this.dataSource
      .getRepository(AvailabilitySlotEntity)
      .createQueryBuilder('a')
      .select('a.slot_index', 'slot_index')
      .where('a.provider_id = :providerId AND a.date = :date', { providerId, date })
      .orderBy('a.slot_index')
      .getRawMany<{ slot_index: number }>();
    return rows.map((row) => Number(row.slot_index));
  }

  /**
   * The provider and its published slots of the day that no confirmed appointment has taken, in one
   * round trip (listings and requests are the hot paths). Null when the provider does not exist.
   */
  async providerDay(providerId: number, date: string): Promise<{ provider: ProviderEntity; bookable: number[] } | null> {
    const rows = await this.transactions.query<ProviderDayRow>(PROVIDER_DAY_SQL, [providerId, date]);
    if (rows.length === 0) return null;
    const [first] = rows;
    const provider = Object.assign(new ProviderEntity(), {
      id: Number(first.id),
      name: first.name,
      email: first.email,
      phone: first.phone,
      timeZone: first.time_zone,
      createdAt: Number(first.created_at),
    });
    const bookable = rows.filter((row) => row.slot_index !== null).map((row) => Number(row.slot_index));
    return { provider, bookable };
  }
}

interface ProviderDayRow {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  time_zone: string;
  created_at: string | number;
  slot_index: number | null;
}

const PROVIDER_DAY_SQL = `
  SELECT p.id, p.name, p.email, p.phone, p.time_zone, p.created_at, a.slot_index
  FROM providers p
  LEFT JOIN availability_slots a
    ON a.provider_id = p.id AND a.date = $2
    AND NOT EXISTS (
      SELECT 1 FROM booked_slots b
      WHERE b.provider_id = a.provider_id AND b.date = a.date AND b.slot_index = a.slot_index
    )
  WHERE p.id = $1
  ORDER BY a.slot_index`;
