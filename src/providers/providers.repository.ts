import { Injectable } from '@nestjs/common';
import { Kysely, Selectable } from 'kysely';
import { DatabaseService } from '../database/database.service';
import { isUniqueViolation } from '../database/errors';
import { Database, ProvidersTable } from '../database/schema';
import { BookingRules } from '../scheduling/booking-rules';
import { ProviderEntity } from './entities/provider.entity';

/** A provider starts with the default booking rules (the columns' defaults). */
export type NewProvider = Omit<ProviderEntity, 'id' | 'rules'>;

/** What a change of a provider may set; fields left out stay as they are. */
export type ProviderChanges = Partial<Pick<ProviderEntity, 'name' | 'email' | 'phone'> & BookingRules>;

export function toProvider(row: Selectable<ProvidersTable>): ProviderEntity {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    timeZone: row.time_zone,
    createdAt: row.created_at,
    apiKeyHash: row.api_key_hash,
    rules: {
      minimumNoticeMinutes: row.minimum_notice_minutes,
      bookingHorizonDays: row.booking_horizon_days,
      bufferMinutes: row.buffer_minutes,
      maxActivePerClient: row.max_active_per_client,
    },
  };
}

@Injectable()
export class ProvidersRepository {
  private readonly db: Kysely<Pick<Database, 'providers'>>;

  constructor(private readonly database: DatabaseService) {
    this.db = database.tables<'providers'>();
  }

  /** Inserts a provider; null when the email is already registered. */
  async insert(provider: NewProvider): Promise<ProviderEntity | null> {
    try {
      const row = await this.db
        .insertInto('providers')
        .values({
          name: provider.name,
          email: provider.email,
          phone: provider.phone,
          time_zone: provider.timeZone,
          created_at: provider.createdAt,
          api_key_hash: provider.apiKeyHash,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toProvider(row);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /**
   * Changes the given fields in one statement (all or nothing). Answers the provider as changed, null
   * when there is no such provider, or 'EMAIL_TAKEN' when the new email is another provider's.
   */
  async update(id: number, changes: ProviderChanges): Promise<ProviderEntity | null | 'EMAIL_TAKEN'> {
    const columns = {
      name: changes.name,
      email: changes.email,
      phone: changes.phone,
      minimum_notice_minutes: changes.minimumNoticeMinutes,
      booking_horizon_days: changes.bookingHorizonDays,
      buffer_minutes: changes.bufferMinutes,
      max_active_per_client: changes.maxActivePerClient,
    };
    const set = Object.fromEntries(Object.entries(columns).filter(([, value]) => value !== undefined)) as Partial<typeof columns>;
    if (Object.keys(set).length === 0) return this.findById(id);
    try {
      const row = await this.db.updateTable('providers').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? toProvider(row) : null;
    } catch (error) {
      if (isUniqueViolation(error)) return 'EMAIL_TAKEN';
      throw error;
    }
  }

  async findById(id: number): Promise<ProviderEntity | null> {
    const [row] = await this.database.fetch(this.db.selectFrom('providers').selectAll().where('id', '=', id));
    return row ? toProvider(row) : null;
  }

  /** The provider whose key has this SHA-256 (indexed, unique). */
  async idByKeyHash(apiKeyHash: string): Promise<number | null> {
    const [row] = await this.database.fetch(this.db.selectFrom('providers').select('id').where('api_key_hash', '=', apiKeyHash));
    return row?.id ?? null;
  }

  /**
   * Replaces the key hash and answers the one it replaced (null when there was none), or undefined when
   * there is no such provider. The row is locked between the read and the write, so of two rotations at
   * once each answers the hash the other did not.
   */
  async replaceKeyHash(id: number, apiKeyHash: string): Promise<{ previous: string | null } | undefined> {
    return this.database.transaction(async (tx) => {
      const db = tx.tables<'providers'>();
      const row = await db
        .selectFrom('providers')
        .select('api_key_hash')
        .where('id', '=', id)
        .$if(this.database.locksRows, (query) => query.forUpdate())
        .executeTakeFirst();
      if (row === undefined) return undefined;
      await db.updateTable('providers').set({ api_key_hash: apiKeyHash }).where('id', '=', id).execute();
      return { previous: row.api_key_hash };
    });
  }

  async listAfter(afterId: number, limit: number): Promise<ProviderEntity[]> {
    const rows = await this.db.selectFrom('providers').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map(toProvider);
  }
}
