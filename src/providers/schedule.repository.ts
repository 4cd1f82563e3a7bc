import { Injectable } from '@nestjs/common';
import { Kysely } from 'kysely';
import { DatabaseService } from '../database/database.service';
import { Database } from '../database/schema';
import { ProviderEntity } from './entities/provider.entity';
import { toProvider } from './providers.repository';

@Injectable()
export class ScheduleRepository {
  private readonly db: Kysely<Pick<Database, 'providers' | 'availability_slots'>>;

  constructor(private readonly database: DatabaseService) {
    this.db = database.tables<'providers' | 'availability_slots'>();
  }

  /** Publishes slots; ones already published are left alone, so windows merge and reposting changes nothing. */
  async publish(providerId: number, date: string, slotIndexes: number[]): Promise<void> {
    if (slotIndexes.length === 0) return;
    await this.db
      .insertInto('availability_slots')
      .values(slotIndexes.map((slotIndex) => ({ provider_id: providerId, date, slot_index: slotIndex })))
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  }

  async publishedIndexes(providerId: number, date: string): Promise<number[]> {
    const rows = await this.db
      .selectFrom('availability_slots')
      .select('slot_index')
      .where('provider_id', '=', providerId)
      .where('date', '=', date)
      .orderBy('slot_index')
      .execute();
    return rows.map((row) => row.slot_index);
  }

  /**
   * The provider and its published slots of the day, in one round trip (listings and requests are
   * the hot paths). Null when the provider does not exist.
   */
  async providerDay(providerId: number, date: string): Promise<{ provider: ProviderEntity; published: number[] } | null> {
    const rows = await this.database.fetch(
      this.db
        .selectFrom('providers as p')
        .leftJoin('availability_slots as a', (join) => join.onRef('a.provider_id', '=', 'p.id').on('a.date', '=', date))
        .select([
          'p.id',
          'p.name',
          'p.email',
          'p.phone',
          'p.time_zone',
          'p.created_at',
          'p.api_key_hash',
          'p.minimum_notice_minutes',
          'p.booking_horizon_days',
          'p.buffer_minutes',
          'p.max_active_per_client',
          'a.slot_index',
        ])
        .where('p.id', '=', providerId)
        .orderBy('a.slot_index'),
    );
    if (rows.length === 0) return null;
    const [first] = rows;
    const provider = toProvider(first);
    const published = rows.filter((row) => row.slot_index !== null).map((row) => row.slot_index as number);
    return { provider, published };
  }
}
