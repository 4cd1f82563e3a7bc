import { Injectable } from '@nestjs/common';
import { Kysely, Selectable } from 'kysely';
import { DatabaseService, Transaction } from '../database/database.service';
import { Database, WaitlistEntriesTable } from '../database/schema';
import { StoredWaitlistStatus, WaitlistEntryEntity } from './entities/waitlist-entry.entity';

export type NewWaitlistEntry = Omit<WaitlistEntryEntity, 'id' | 'status' | 'appointmentId' | 'offeredAt' | 'leftAt'>;

export interface WaitlistFilter {
  providerId?: number;
  clientId?: number;
  date?: string;
}

/** A provider's day that has someone waiting. */
export interface WaitingDay {
  providerId: number;
  date: string;
}

const LIST_LIMIT = 500;
/** Most days one reconcile pass looks at; the rest wait for the next pass. */
const WAITING_DAYS_LIMIT = 1000;

function toEntry(row: Selectable<WaitlistEntriesTable>): WaitlistEntryEntity {
  return {
    id: row.id,
    providerId: row.provider_id,
    clientId: row.client_id,
    date: row.date,
    durationMinutes: row.duration_minutes,
    fromSlot: row.from_slot,
    toSlot: row.to_slot,
    status: row.status,
    appointmentId: row.appointment_id,
    createdAt: row.created_at,
    offeredAt: row.offered_at,
    leftAt: row.left_at,
  };
}

/**
 * The `waitlist_entries` table. Every change of an entry's status is a compare-and-set on the status
 * it was read at, so an entry is offered at most once (two processes reacting to one opening cannot
 * both offer it) and an entry that left is never offered.
 */
@Injectable()
export class WaitlistRepository {
  private readonly db: Kysely<Pick<Database, 'waitlist_entries'>>;

  constructor(database: DatabaseService) {
    this.db = database.tables<'waitlist_entries'>();
  }

  async insert(entry: NewWaitlistEntry): Promise<WaitlistEntryEntity> {
    const row = await this.db
      .insertInto('waitlist_entries')
      .values({
        provider_id: entry.providerId,
        client_id: entry.clientId,
        date: entry.date,
        duration_minutes: entry.durationMinutes,
        from_slot: entry.fromSlot,
        to_slot: entry.toSlot,
        status: 'waiting',
        created_at: entry.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEntry(row);
  }

  async findById(id: number): Promise<WaitlistEntryEntity | null> {
    const row = await this.db.selectFrom('waitlist_entries').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEntry(row) : null;
  }

  async list(filter: WaitlistFilter): Promise<WaitlistEntryEntity[]> {
    const rows = await this.db
      .selectFrom('waitlist_entries')
      .selectAll()
      .$if(filter.providerId !== undefined, (query) => query.where('provider_id', '=', filter.providerId!))
      .$if(filter.clientId !== undefined, (query) => query.where('client_id', '=', filter.clientId!))
      .$if(filter.date !== undefined, (query) => query.where('date', '=', filter.date!))
      .orderBy('created_at')
      .orderBy('id')
      .limit(LIST_LIMIT)
      .execute();
    return rows.map(toEntry);
  }

  /** Every entry of a client, oldest first, however many: its data export, and what its erasure ends. */
  async allOfClient(clientId: number): Promise<WaitlistEntryEntity[]> {
    const rows = await this.db.selectFrom('waitlist_entries').selectAll().where('client_id', '=', clientId).orderBy('id').execute();
    return rows.map(toEntry);
  }

  /** A day's entries still waiting, longest-waiting first (the day index). */
  async waitingOn(providerId: number, date: string): Promise<WaitlistEntryEntity[]> {
    const rows = await this.db
      .selectFrom('waitlist_entries')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('date', '=', date)
      .where('status', '=', 'waiting')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toEntry);
  }

  /** The days from `fromDate` on where someone waits, of one provider or of all. */
  async waitingDays(fromDate: string, providerId?: number): Promise<WaitingDay[]> {
    const rows = await this.db
      .selectFrom('waitlist_entries')
      .select(['provider_id', 'date'])
      .distinct()
      .where('status', '=', 'waiting')
      .where('date', '>=', fromDate)
      .$if(providerId !== undefined, (query) => query.where('provider_id', '=', providerId!))
      .orderBy('date')
      .orderBy('provider_id')
      .limit(WAITING_DAYS_LIMIT)
      .execute();
    return rows.map((row) => ({ providerId: row.provider_id, date: row.date }));
  }

  /**
   * Marks a waiting entry offered with its pending appointment, inside the offer's transaction; false
   * when it is no longer waiting (offered by another process, or left), and the offer must be undone.
   */
  async markOffered(tx: Transaction, id: number, appointmentId: number, offeredAt: number): Promise<boolean> {
    const result = await tx
      .tables<'waitlist_entries'>()
      .updateTable('waitlist_entries')
      .set({ status: 'offered', appointment_id: appointmentId, offered_at: offeredAt })
      .where('id', '=', id)
      .where('status', '=', 'waiting')
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** Marks the entry left if it is still `from`; null when it was not (changed meanwhile). */
  async markLeft(id: number, from: StoredWaitlistStatus, leftAt: number): Promise<WaitlistEntryEntity | null> {
    const row = await this.db
      .updateTable('waitlist_entries')
      .set({ status: 'left', left_at: leftAt })
      .where('id', '=', id)
      .where('status', '=', from)
      .returningAll()
      .executeTakeFirst();
    return row ? toEntry(row) : null;
  }
}
