import { Injectable } from '@nestjs/common';
import { Kysely } from 'kysely';
import { DatabaseService, Transaction } from '../database/database.service';
import { Database } from '../database/schema';
import { ProviderEntity } from './entities/provider.entity';
import { MinuteWindow, WeeklyWindow, windowsToIndexes } from './open-hours';
import { toProvider } from './providers.repository';

type ScheduleTables = 'providers' | 'availability_slots' | 'date_overrides' | 'weekly_hours';

/** What the schedule holds for one provider's date: its own hours when it has an override, else its weekday's. */
export interface ScheduledDay {
  provider: ProviderEntity;
  /** The override's slot indexes as written (none: the day off); null when the date has no override. */
  overrideIndexes: number[] | null;
  /** The weekday's weekly windows; empty when the date has an override (they do not apply). */
  weeklyWindows: MinuteWindow[];
}

/**
 * The schedule's tables: weekly hours, and each date that has its own hours (a `date_overrides` row,
 * with its `availability_slots`). Every write of a provider's hours locks the provider's row first (on
 * PostgreSQL; SQLite has one writer), so two writes of the same hours run one after the other and a
 * date's override is created from the weekly hours exactly once.
 */
@Injectable()
export class ScheduleRepository {
  private readonly db: Kysely<Pick<Database, ScheduleTables>>;

  constructor(private readonly database: DatabaseService) {
    this.db = database.tables<'providers' | 'availability_slots' | 'date_overrides' | 'weekly_hours'>();
  }

  /**
   * The provider and the hours of its date, in one round trip (listings and requests are the hot
   * paths): the override's slots when the date has one, else the weekday's windows; only one of the
   * two joins finds rows, so the answer is a row per slot or per window whatever the provider's
   * history. Null when the provider does not exist.
   */
  async providerDay(providerId: number, date: string, weekday: number): Promise<ScheduledDay | null> {
    const rows = await this.database.fetch(
      this.db
        .selectFrom('providers as p')
        .leftJoin('date_overrides as o', (join) => join.onRef('o.provider_id', '=', 'p.id').on('o.date', '=', date))
        .leftJoin('availability_slots as a', (join) => join.onRef('a.provider_id', '=', 'o.provider_id').onRef('a.date', '=', 'o.date'))
        .leftJoin('weekly_hours as w', (join) =>
          join.onRef('w.provider_id', '=', 'p.id').on('w.weekday', '=', weekday).on('o.provider_id', 'is', null),
        )
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
          'o.date as override_date',
          'a.slot_index',
          'w.start_minute',
          'w.end_minute',
        ])
        .where('p.id', '=', providerId),
    );
    if (rows.length === 0) return null;
    const provider = toProvider(rows[0]);
    if (rows[0].override_date !== null) {
      const overrideIndexes = rows.flatMap((row) => (row.slot_index === null ? [] : [row.slot_index])).sort((a, b) => a - b);
      return { provider, overrideIndexes, weeklyWindows: [] };
    }
    const weeklyWindows = rows.flatMap((row) =>
      row.start_minute === null || row.end_minute === null ? [] : [{ startMinute: row.start_minute, endMinute: row.end_minute }],
    );
    return { provider, overrideIndexes: null, weeklyWindows };
  }

  /** Every weekly window of the provider, by weekday then start. */
  async weeklyHours(providerId: number): Promise<WeeklyWindow[]> {
    const rows = await this.db
      .selectFrom('weekly_hours')
      .select(['weekday', 'start_minute', 'end_minute'])
      .where('provider_id', '=', providerId)
      .orderBy('weekday')
      .orderBy('start_minute')
      .execute();
    return rows.map((row) => ({ weekday: row.weekday, startMinute: row.start_minute, endMinute: row.end_minute }));
  }

  /** Replaces the provider's weekly hours with these (merged) windows, all at once. False when there is no such provider. */
  async replaceWeeklyHours(providerId: number, windows: readonly WeeklyWindow[]): Promise<boolean> {
    return this.database.transaction(async (tx) => {
      if (!(await this.lockProvider(tx, providerId))) return false;
      const db = tx.tables<'weekly_hours'>();
      await db.deleteFrom('weekly_hours').where('provider_id', '=', providerId).execute();
      if (windows.length > 0) {
        await db
          .insertInto('weekly_hours')
          .values(
            windows.map((window) => ({
              provider_id: providerId,
              weekday: window.weekday,
              start_minute: window.startMinute,
              end_minute: window.endMinute,
            })),
          )
          .execute();
      }
      return true;
    });
  }

  /** The date's override as its slot indexes (none: the day off), or null when the date has none. */
  async dateOverride(providerId: number, date: string): Promise<number[] | null> {
    const rows = await this.db
      .selectFrom('date_overrides as o')
      .leftJoin('availability_slots as a', (join) => join.onRef('a.provider_id', '=', 'o.provider_id').onRef('a.date', '=', 'o.date'))
      .select('a.slot_index')
      .where('o.provider_id', '=', providerId)
      .where('o.date', '=', date)
      .orderBy('a.slot_index')
      .execute();
    if (rows.length === 0) return null;
    return rows.flatMap((row) => (row.slot_index === null ? [] : [row.slot_index]));
  }

  /**
   * Sets the date's override to exactly these slot indexes (none: the day off), replacing what it had.
   * False when there is no such provider.
   */
  async replaceDateOverride(providerId: number, date: string, slotIndexes: readonly number[]): Promise<boolean> {
    return this.database.transaction(async (tx) => {
      if (!(await this.lockProvider(tx, providerId))) return false;
      const db = tx.tables<'date_overrides' | 'availability_slots'>();
      await db
        .insertInto('date_overrides')
        .values({ provider_id: providerId, date })
        .onConflict((conflict) => conflict.doNothing())
        .execute();
      await db.deleteFrom('availability_slots').where('provider_id', '=', providerId).where('date', '=', date).execute();
      await this.insertSlots(tx, providerId, date, slotIndexes);
      return true;
    });
  }

  /** Removes the date's override, if any: its hours are its weekday's again. */
  async removeDateOverride(providerId: number, date: string): Promise<void> {
    await this.database.transaction(async (tx) => {
      if (!(await this.lockProvider(tx, providerId))) return;
      const db = tx.tables<'date_overrides' | 'availability_slots'>();
      await db.deleteFrom('availability_slots').where('provider_id', '=', providerId).where('date', '=', date).execute();
      await db.deleteFrom('date_overrides').where('provider_id', '=', providerId).where('date', '=', date).execute();
    });
  }

  /**
   * Adds slots to the date's override (the seed's POST /api/schedule). A date without an override first
   * gets one holding its weekday's weekly hours, so posting a window adds to the hours the date had.
   * Slots already there are left alone: windows merge, and posting twice changes nothing. Answers the
   * date's slot indexes afterwards, or null when there is no such provider.
   */
  async addToDate(providerId: number, date: string, weekday: number, slotIndexes: readonly number[]): Promise<number[] | null> {
    return this.database.transaction(async (tx) => {
      if (!(await this.lockProvider(tx, providerId))) return null;
      const db = tx.tables<'date_overrides' | 'availability_slots' | 'weekly_hours'>();
      const created = await db
        .insertInto('date_overrides')
        .values({ provider_id: providerId, date })
        .onConflict((conflict) => conflict.doNothing())
        .returning('date')
        .executeTakeFirst();
      let weekly: number[] = [];
      if (created) {
        const windows = await db
          .selectFrom('weekly_hours')
          .select(['start_minute as startMinute', 'end_minute as endMinute'])
          .where('provider_id', '=', providerId)
          .where('weekday', '=', weekday)
          .execute();
        weekly = windowsToIndexes(windows);
      }
      await this.insertSlots(tx, providerId, date, [...new Set([...weekly, ...slotIndexes])]);
      const rows = await db
        .selectFrom('availability_slots')
        .select('slot_index')
        .where('provider_id', '=', providerId)
        .where('date', '=', date)
        .orderBy('slot_index')
        .execute();
      return rows.map((row) => row.slot_index);
    });
  }

  private async insertSlots(tx: Transaction, providerId: number, date: string, slotIndexes: readonly number[]): Promise<void> {
    if (slotIndexes.length === 0) return;
    await tx
      .tables<'availability_slots'>()
      .insertInto('availability_slots')
      .values(slotIndexes.map((slotIndex) => ({ provider_id: providerId, date, slot_index: slotIndex })))
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  }

  /**
   * Whether the provider exists, locking its row until the transaction ends (PostgreSQL): writes of one
   * provider's hours wait for each other. FOR NO KEY UPDATE leaves rows that refer to the provider
   * (appointments, bookings) free to be written meanwhile.
   */
  private async lockProvider(tx: Transaction, providerId: number): Promise<boolean> {
    const row = await tx
      .tables<'providers'>()
      .selectFrom('providers')
      .select('id')
      .where('id', '=', providerId)
      .$if(this.database.locksRows, (query) => query.forNoKeyUpdate())
      .executeTakeFirst();
    return row !== undefined;
  }
}
