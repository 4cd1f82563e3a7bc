import { Injectable } from '@nestjs/common';
import { Kysely, Selectable } from 'kysely';
import { DatabaseService, Transaction } from '../database/database.service';
import { isUniqueViolation } from '../database/errors';
import { Database, QueueEntriesTable } from '../database/schema';
import { ACTIVE_STATUSES, QueueEntryEntity } from './entities/queue-entry.entity';
import { MeasuredService, PACE_SAMPLES } from './expected-wait';

export type NewQueueEntry = Omit<QueueEntryEntity, 'id'>;

/** A queue as of one revision: the entries still in it, in order, and the provider's latest services. */
export interface QueueState {
  revision: number;
  /** The one being served (if any) first, then those waiting by queue_at, then by check-in. */
  active: QueueEntryEntity[];
  /** The provider's latest measured services, oldest first. */
  services: MeasuredService[];
}

export type CheckInOutcome = { created: true; entry: QueueEntryEntity; state: QueueState } | { created: false; entry: QueueEntryEntity };

export interface NextOutcome {
  completed: QueueEntryEntity | null;
  called: QueueEntryEntity | null;
  state: QueueState;
}

export interface WaitingCount {
  providerId: number;
  date: string;
  waiting: number;
}

export type LeaveOutcome = { changed: true; entry: QueueEntryEntity; state: QueueState } | { changed: false; entry: QueueEntryEntity };

/** Thrown inside a transaction to undo it and answer `value` instead. */
class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

type QueueDb = Kysely<Pick<Database, 'queue_days' | 'queue_entries'>>;

function toEntry(row: Selectable<QueueEntriesTable>): QueueEntryEntity {
  return {
    id: row.id,
    providerId: row.provider_id,
    clientId: row.client_id,
    appointmentId: row.appointment_id,
    date: row.date,
    status: row.status,
    queueAt: row.queue_at,
    appointmentStartAt: row.appointment_start_at,
    bookedMinutes: row.booked_minutes,
    checkedInAt: row.checked_in_at,
    calledAt: row.called_at,
    finishedAt: row.finished_at,
  };
}

/**
 * Every change of a queue runs in one transaction that first bumps its `queue_days` revision. On
 * PostgreSQL that upsert takes the day's row lock, so the changes of one queue run one at a time
 * (a second `next` waits, then sees the first one's result: two calls never call the same client);
 * the active entries are also read FOR UPDATE. On SQLite a transaction has the only connection to
 * itself. The state read back inside the transaction is exactly that revision's.
 */
@Injectable()
export class QueueRepository {
  private readonly db: QueueDb;

  constructor(private readonly database: DatabaseService) {
    this.db = database.tables<'queue_days' | 'queue_entries'>();
  }

  /** The entry of an appointment that is still in its queue, if it checked in. */
  async findActiveByAppointment(appointmentId: number): Promise<QueueEntryEntity | null> {
    const row = await this.db
      .selectFrom('queue_entries')
      .selectAll()
      .where('appointment_id', '=', appointmentId)
      .where('status', 'in', ACTIVE_STATUSES)
      .executeTakeFirst();
    return row ? toEntry(row) : null;
  }

  /** Whether the appointment ever checked in (an entry in any status), read in `tx` when one is given. */
  async hasEntryForAppointment(appointmentId: number, tx?: Transaction): Promise<boolean> {
    const db = tx ? tx.tables<'queue_entries'>() : this.db;
    const row = await db.selectFrom('queue_entries').select('id').where('appointment_id', '=', appointmentId).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** How many wait (checked in, not yet called) in each provider's queue of each day from `fromDate` on. */
  async waitingCounts(fromDate: string): Promise<WaitingCount[]> {
    const rows = await this.db
      .selectFrom('queue_entries')
      .select(['provider_id', 'date'])
      .select((eb) => eb.fn.countAll<number | string>().as('waiting'))
      .where('status', '=', 'waiting')
      .where('date', '>=', fromDate)
      .groupBy(['provider_id', 'date'])
      .execute();
    // PostgreSQL counts in bigint, which pg hands over as text.
    return rows.map((row) => ({ providerId: row.provider_id, date: row.date, waiting: Number(row.waiting) }));
  }

  async findEntry(id: number): Promise<QueueEntryEntity | null> {
    const row = await this.db.selectFrom('queue_entries').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEntry(row) : null;
  }

  /**
   * The queue as it is now, revision and entries read in one statement (so they agree), then the
   * provider's latest services, on one connection (on SQLite, never in the middle of another
   * request's transaction).
   */
  state(providerId: number, date: string): Promise<QueueState> {
    return this.db.connection().execute(async (db) => {
      const rows = await db
        .selectFrom('queue_days as d')
        .leftJoin('queue_entries as e', (join) =>
          join.onRef('e.provider_id', '=', 'd.provider_id').onRef('e.date', '=', 'd.date').on('e.status', 'in', ACTIVE_STATUSES),
        )
        .select('d.revision')
        .selectAll('e')
        .where('d.provider_id', '=', providerId)
        .where('d.date', '=', date)
        .orderBy('e.queue_at')
        .orderBy('e.checked_in_at')
        .orderBy('e.id')
        .execute();
      const active = rows.filter((row) => row.id !== null).map((row) => toEntry(row as Selectable<QueueEntriesTable>));
      return { revision: rows[0]?.revision ?? 0, active: servingFirst(active), services: await this.services(db, providerId) };
    });
  }

  /**
   * Puts an entry in its queue; when the appointment is already checked in, or the client is already
   * in this queue, answers that entry instead and changes nothing.
   */
  async checkIn(entry: NewQueueEntry): Promise<CheckInOutcome> {
    try {
      return await this.change(entry.providerId, entry.date, async (trx, revision) => {
        const existing = await this.existing(trx, entry);
        if (existing) throw new Rollback<CheckInOutcome>({ created: false, entry: existing });
        const saved = await trx
          .insertInto('queue_entries')
          .values({
            provider_id: entry.providerId,
            client_id: entry.clientId,
            appointment_id: entry.appointmentId,
            date: entry.date,
            status: entry.status,
            queue_at: entry.queueAt,
            appointment_start_at: entry.appointmentStartAt,
            booked_minutes: entry.bookedMinutes,
            checked_in_at: entry.checkedInAt,
            called_at: entry.calledAt,
            finished_at: entry.finishedAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { created: true, entry: toEntry(saved), state: await this.read(trx, entry.providerId, entry.date, revision) };
      });
    } catch (error) {
      // Only reachable if a check-in bypassed the day lock; the unique indexes still keep one entry.
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.existing(this.db, entry);
      if (!existing) throw error;
      return { created: false, entry: existing };
    }
  }

  /**
   * Done for the one being served (its service time is its called_at → finished_at), called for the
   * first waiting. Null when nobody is in the queue. What `also` writes, given the queue as this
   * change leaves it, commits with the change (the texts and emails it causes); if it throws,
   * nothing changes.
   */
  callNext(
    providerId: number,
    date: string,
    now: number,
    also: (tx: Transaction, outcome: NextOutcome) => Promise<void>,
  ): Promise<NextOutcome | null> {
    return this.change(providerId, date, async (trx, revision, tx) => {
      const rows = await this.activeQuery(trx, providerId, date)
        .$if(this.database.locksRows, (query) => query.forUpdate())
        .execute();
      const active = servingFirst(rows.map(toEntry));
      if (active.length === 0) throw new Rollback<NextOutcome | null>(null);
      let completed: QueueEntryEntity | null = null;
      for (const serving of active.filter((entry) => entry.status === 'called')) {
        await trx
          .updateTable('queue_entries')
          .set({ status: 'done', finished_at: now })
          .where('id', '=', serving.id)
          .where('status', '=', 'called')
          .execute();
        completed ??= { ...serving, status: 'done', finishedAt: now };
      }
      const first = active.find((entry) => entry.status === 'waiting');
      let called: QueueEntryEntity | null = null;
      if (first) {
        await trx
          .updateTable('queue_entries')
          .set({ status: 'called', called_at: now })
          .where('id', '=', first.id)
          .where('status', '=', 'waiting')
          .execute();
        called = { ...first, status: 'called', calledAt: now };
      }
      const outcome = { completed, called, state: await this.read(trx, providerId, date, revision) };
      await also(tx, outcome);
      return outcome;
    });
  }

  /** Takes an entry out of its queue as no_show or left; unchanged when it was already out. */
  leave(entry: QueueEntryEntity, status: 'no_show' | 'left', now: number): Promise<LeaveOutcome> {
    return this.change(entry.providerId, entry.date, async (trx, revision) => {
      const updated = await trx
        .updateTable('queue_entries')
        .set({ status, finished_at: now })
        .where('id', '=', entry.id)
        .where('status', 'in', ACTIVE_STATUSES)
        .executeTakeFirst();
      const current = toEntry(await trx.selectFrom('queue_entries').selectAll().where('id', '=', entry.id).executeTakeFirstOrThrow());
      if (updated.numUpdatedRows === 0n) throw new Rollback<LeaveOutcome>({ changed: false, entry: current });
      return { changed: true, entry: current, state: await this.read(trx, entry.providerId, entry.date, revision) };
    });
  }

  /** Runs `work` as the next revision of the queue, holding its lock; a Rollback undoes it. */
  private async change<T>(
    providerId: number,
    date: string,
    work: (trx: QueueDb, revision: number, tx: Transaction) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.database.transaction(async (tx) => {
        const trx = tx.tables<'queue_days' | 'queue_entries'>();
        const { revision } = await trx
          .insertInto('queue_days')
          .values({ provider_id: providerId, date, revision: 1 })
          .onConflict((conflict) =>
            conflict.columns(['provider_id', 'date']).doUpdateSet((eb) => ({ revision: eb('queue_days.revision', '+', 1) })),
          )
          .returning('revision')
          .executeTakeFirstOrThrow();
        return work(trx, revision, tx);
      });
    } catch (error) {
      if (error instanceof Rollback) return error.value as T;
      throw error;
    }
  }

  private async read(db: QueueDb, providerId: number, date: string, revision: number): Promise<QueueState> {
    const active = await this.activeQuery(db, providerId, date).execute();
    return { revision, active: servingFirst(active.map(toEntry)), services: await this.services(db, providerId) };
  }

  private activeQuery(db: QueueDb, providerId: number, date: string) {
    return db
      .selectFrom('queue_entries')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('date', '=', date)
      .where('status', 'in', ACTIVE_STATUSES)
      .orderBy('queue_at')
      .orderBy('checked_in_at')
      .orderBy('id');
  }

  private async services(db: QueueDb, providerId: number): Promise<MeasuredService[]> {
    const rows = await db
      .selectFrom('queue_entries')
      .select(['booked_minutes', 'called_at', 'finished_at', 'checked_in_at', 'appointment_start_at'])
      .where('provider_id', '=', providerId)
      .where('status', '=', 'done')
      .orderBy('finished_at', 'desc')
      .orderBy('id', 'desc')
      .limit(PACE_SAMPLES)
      .execute();
    return rows
      .filter((row) => row.called_at !== null && row.finished_at !== null)
      .reverse()
      .map((row) => ({
        bookedMinutes: row.booked_minutes,
        calledAt: row.called_at!,
        finishedAt: row.finished_at!,
        readyAt: Math.max(row.checked_in_at, row.appointment_start_at ?? row.checked_in_at),
      }));
  }

  private async existing(db: QueueDb, entry: NewQueueEntry): Promise<QueueEntryEntity | null> {
    if (entry.appointmentId !== null) {
      const byAppointment = await db
        .selectFrom('queue_entries')
        .selectAll()
        .where('appointment_id', '=', entry.appointmentId)
        .executeTakeFirst();
      if (byAppointment) return toEntry(byAppointment);
    }
    const active = await db
      .selectFrom('queue_entries')
      .selectAll()
      .where('provider_id', '=', entry.providerId)
      .where('date', '=', entry.date)
      .where('client_id', '=', entry.clientId)
      .where('status', 'in', ACTIVE_STATUSES)
      .executeTakeFirst();
    return active ? toEntry(active) : null;
  }
}

/** The one being served comes first, then the waiting in their (already sorted) order. */
function servingFirst(entries: QueueEntryEntity[]): QueueEntryEntity[] {
  return [...entries.filter((entry) => entry.status === 'called'), ...entries.filter((entry) => entry.status === 'waiting')];
}
