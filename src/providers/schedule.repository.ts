import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BookedSlotEntity } from '../appointments/entities/booked-slot.entity';
import { Transactions } from '../database/transactions';
import { AvailabilitySlotEntity } from './entities/availability-slot.entity';

@Injectable()
export class ScheduleRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: Transactions,
  ) {}

  /** Publishes slots; ones already published are left alone, so windows merge and reposting changes nothing. */
  async publish(providerId: number, date: string, slotIndexes: number[]): Promise<void> {
    if (slotIndexes.length === 0) return;
    await this.transactions.run((manager) =>
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

  /** Published slots of the day that no confirmed appointment has taken: one query. */
  async bookableIndexes(providerId: number, date: string): Promise<number[]> {
    const rows = await this.dataSource
      .getRepository(AvailabilitySlotEntity)
      .createQueryBuilder('a')
      .select('a.slot_index', 'slot_index')
      .where('a.provider_id = :providerId AND a.date = :date', { providerId, date })
      .andWhere(
        (qb) =>
          'NOT EXISTS ' +
          qb
            .subQuery()
            .select('1')
            .from(BookedSlotEntity, 'b')
            .where('b.provider_id = a.provider_id AND b.date = a.date AND b.slot_index = a.slot_index')
            .getQuery(),
      )
      .orderBy('a.slot_index')
      .getRawMany<{ slot_index: number }>();
    return rows.map((row) => Number(row.slot_index));
  }
}
