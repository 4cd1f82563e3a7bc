import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Kysely, Selectable } from 'kysely';
import { queueConfig } from '../config/namespaces';
import { DatabaseService, Transaction } from '../database/database.service';
import { AppError } from '../common/app-error';
import { isUniqueViolation } from '../database/errors';
import { Database, QueueEntriesTable } from '../database/schema';
import { ACTIVE_STATUSES, QueueEntryEntity } from './entities/queue-entry.entity';
import { MeasuredService, PACE_SAMPLES } from './expected-wait';
import { nextStreak, queueOrder } from './queue-order';
import { MAX_TICKETS_PER_DAY } from './queue-tickets';

/** A person's addresses and phones, as someone joining remotely may have typed them. */
export interface RemoteContact {
  emails: string[];
  phones: string[];
}

export type NewQueueEntry = Omit<QueueEntryEntity, 'id' | 'ticketNumber' | 'priority' | 'notifiedPositions'>;

/** A queue as of one revision: the entries still in it, in order, and the provider's latest services. */
export interface QueueState {
  revision: number;
  /** The one being served (if any) first, then those waiting in the order they will be called (queue-order.ts). */
  active: QueueEntryEntity[];
  /** The provider's latest measured services, oldest first. */
  services: MeasuredService[];
  /** Priority calls made in a row while a non-priority entry waited. */
  priorityStreak: number;
}

/** One change of a queue, as its transaction sees it before committing. */
export interface QueueChangeFacts {
  /** The queue just before the change (under its lock); its services are not read again. */
  before: Omit<QueueState, 'services'>;
  /** The queue as the change leaves it. */
  after: QueueState;
}

/** A position an entry was told about: recorded with the change, so it is told once. */
export interface NotifiedPosition {
  entryId: number;
  position: number;
}

/**
 * What commits with a change besides it (the texts and emails it causes), given the queue before and
 * after; answers the positions it told entries about. If it throws, nothing changes.
 */
export type ChangeHook = (tx: Transaction, facts: QueueChangeFacts) => Promise<NotifiedPosition[]>;

export type CheckInOutcome =
  | { created: true; entry: QueueEntryEntity; state: QueueState }
  | { created: false; entry: QueueEntryEntity }
  /** The day's tickets are all handed out (past Z-999). */
  | { created: false; entry: null };

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

export type PriorityOutcome = LeaveOutcome;

/** Thrown inside a transaction to undo it and answer `value` instead. */
class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

type QueueDb = Kysely<Pick<Database, 'queue_days' | 'queue_entries'>>;

/** `,3,1,` ↔ [3, 1]: the positions an entry was told about. */
function parsePositions(text: string): number[] {
  return text
    .split(',')
    .filter((part) => part !== '')
    .map(Number);
}
function formatPositions(positions: number[]): string {
  return positions.length === 0 ? '' : `,${positions.join(',')},`;
}

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
    ticketNumber: row.ticket_number,
    priority: row.priority === 1,
    notifiedPositions: parsePositions(row.notified_positions),
    remote:
      row.join_key === null
        ? null
        : { name: row.remote_name ?? '', phone: row.remote_phone, email: row.remote_email, joinKey: row.join_key },
  };
}

/** The cap of remote entries was reached: nothing was written. */
function queueFull(cap: number): AppError {
  return new AppError('QUEUE_FULL', `${cap} people who joined remotely already wait in this queue; try again later`);
}

/**
 * Every change of a queue runs in one transaction that first bumps its `queue_days` revision. On
 * PostgreSQL that upsert takes the day's row lock, so the changes of one queue run one at a time
 * (a second `next` waits, then sees the first one's result: two calls never call the same client);
 * the active entries are also read FOR UPDATE. On SQLite a transaction has the only connection to
 * itself. The state read back inside the transaction is exactly that revision's. The same lock hands
 * out the day's tickets (`queue_days.tickets_issued`) and keeps its priority streak.
 */
@Injectable()
export class QueueRepository {
  private readonly db: QueueDb;
  private readonly streakLimit: number;

  constructor(
    private readonly database: DatabaseService,
    @Inject(queueConfig.KEY) config: ConfigType<typeof queueConfig>,
  ) {
    this.db = database.tables<'queue_days' | 'queue_entries'>();
    this.streakLimit = config.priorityStreak;
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

  /** Every queue entry of a client, oldest first: its data export, and what its erasure ends. */
  async entriesOfClient(clientId: number): Promise<QueueEntryEntity[]> {
    const rows = await this.db.selectFrom('queue_entries').selectAll().where('client_id', '=', clientId).orderBy('id').execute();
    return rows.map(toEntry);
  }

  /** The entries someone joined remotely with one of these addresses or phones, oldest first: a person's export. */
  async remoteEntriesOf(contact: RemoteContact): Promise<QueueEntryEntity[]> {
    if (contact.emails.length + contact.phones.length === 0) return [];
    const rows = await this.db
      .selectFrom('queue_entries')
      .selectAll()
      .where((eb) =>
        eb.or([
          ...(contact.emails.length > 0 ? [eb('remote_email', 'in', contact.emails)] : []),
          ...(contact.phones.length > 0 ? [eb('remote_phone', 'in', contact.phones)] : []),
        ]),
      )
      .orderBy('id')
      .execute();
    return rows.map(toEntry);
  }

  /**
   * Within a person's erasure: the entries it joined remotely with one of these addresses or phones
   * keep their place in history, but not who it was (the name typed becomes `erasedName`, the
   * address and phone go). An entry still waiting is reached by no notice from then on.
   */
  async eraseRemoteContactIn(tx: Transaction, contact: RemoteContact, erasedName: string): Promise<number> {
    if (contact.emails.length + contact.phones.length === 0) return 0;
    const result = await tx
      .tables<'queue_entries'>()
      .updateTable('queue_entries')
      .set({ remote_name: erasedName, remote_email: null, remote_phone: null })
      .where((eb) =>
        eb.or([
          ...(contact.emails.length > 0 ? [eb('remote_email', 'in', contact.emails)] : []),
          ...(contact.phones.length > 0 ? [eb('remote_phone', 'in', contact.phones)] : []),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
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
        .select(['d.revision', 'd.priority_streak'])
        .selectAll('e')
        .where('d.provider_id', '=', providerId)
        .where('d.date', '=', date)
        .orderBy('e.queue_at')
        .orderBy('e.checked_in_at')
        .orderBy('e.id')
        .execute();
      const active = rows.filter((row) => row.id !== null).map((row) => toEntry(row as Selectable<QueueEntriesTable>));
      const priorityStreak = rows[0]?.priority_streak ?? 0;
      return {
        revision: rows[0]?.revision ?? 0,
        active: this.ordered(active, priorityStreak),
        services: await this.services(db, providerId),
        priorityStreak,
      };
    });
  }

  /** The entry a join link made, if its button was pressed. */
  async findByJoinKey(joinKey: string): Promise<QueueEntryEntity | null> {
    const row = await this.db.selectFrom('queue_entries').selectAll().where('join_key', '=', joinKey).executeTakeFirst();
    return row ? toEntry(row) : null;
  }

  /**
   * Runs `also` (which writes the join link's message) in a transaction that first finds fewer than
   * `cap` remote entries waiting in the queue; else 409 QUEUE_FULL and nothing is written. Only a hint
   * that there is room: the entry itself is counted again under the queue's lock (checkIn).
   */
  async whileRemoteRoom(providerId: number, date: string, cap: number, also: (tx: Transaction) => Promise<void>): Promise<void> {
    await this.database.transaction(async (tx) => {
      if ((await this.remoteWaiting(tx.tables<'queue_entries'>(), providerId, date)) >= cap) throw queueFull(cap);
      await also(tx);
    });
  }

  /**
   * Puts an entry in its queue with the day's next ticket; when the appointment is already checked in, the client is already in
   * this queue, or the join link already made an entry, answers that entry instead and changes nothing.
   * A remote entry needs fewer than `remoteCap` remote entries waiting, counted under the queue's lock
   * (409 QUEUE_FULL otherwise).
   */
  async checkIn(entry: NewQueueEntry, also: ChangeHook, remoteCap?: number): Promise<CheckInOutcome> {
    try {
      return await this.change(entry.providerId, entry.date, also, async (trx, before) => {
        const existing = await this.existing(trx, entry);
        if (existing) throw new Rollback<CheckInOutcome>({ created: false, entry: existing });
        if (entry.remote && remoteCap !== undefined && (await this.remoteWaiting(trx, entry.providerId, entry.date)) >= remoteCap) {
          throw queueFull(remoteCap);
        }
        const { tickets_issued: ticketNumber } = await trx
          .updateTable('queue_days')
          .set((eb) => ({ tickets_issued: eb('tickets_issued', '+', 1) }))
          .where('provider_id', '=', entry.providerId)
          .where('date', '=', entry.date)
          .returning('tickets_issued')
          .executeTakeFirstOrThrow();
        if (ticketNumber > MAX_TICKETS_PER_DAY) throw new Rollback<CheckInOutcome>({ created: false, entry: null });
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
            ticket_number: ticketNumber,
            remote_name: entry.remote?.name ?? null,
            remote_phone: entry.remote?.phone ?? null,
            remote_email: entry.remote?.email ?? null,
            join_key: entry.remote?.joinKey ?? null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { priorityStreak: before.priorityStreak, finish: (state) => ({ created: true, entry: toEntry(saved), state }) };
      });
    } catch (error) {
      // Only reachable if a check-in bypassed the day lock; the unique indexes still keep one entry and one ticket.
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.existing(this.db, entry);
      if (!existing) throw error;
      return { created: false, entry: existing };
    }
  }

  /**
   * Done for the one being served (its service time is its called_at → finished_at), called for the
   * first waiting in the queue's order (which moves the day's priority streak on). Null when nobody is
   * in the queue.
   */
  callNext(providerId: number, date: string, now: number, also: ChangeHook): Promise<NextOutcome | null> {
    return this.change(providerId, date, also, async (trx, before) => {
      const active = before.active;
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
      const waiting = active.filter((entry) => entry.status === 'waiting');
      const first = waiting[0];
      let called: QueueEntryEntity | null = null;
      let priorityStreak = before.priorityStreak;
      if (first) {
        await trx
          .updateTable('queue_entries')
          .set({ status: 'called', called_at: now })
          .where('id', '=', first.id)
          .where('status', '=', 'waiting')
          .execute();
        called = { ...first, status: 'called', calledAt: now };
        priorityStreak = nextStreak(
          before.priorityStreak,
          first,
          waiting.some((entry) => !entry.priority),
        );
        if (priorityStreak !== before.priorityStreak) {
          await trx
            .updateTable('queue_days')
            .set({ priority_streak: priorityStreak })
            .where('provider_id', '=', providerId)
            .where('date', '=', date)
            .execute();
        }
      }
      return { priorityStreak, finish: (state) => ({ completed, called, state }) };
    });
  }

  /** Takes an entry out of its queue as no_show or left; unchanged when it was already out. */
  leave(entry: QueueEntryEntity, status: 'no_show' | 'left', now: number, also: ChangeHook): Promise<LeaveOutcome> {
    return this.change(entry.providerId, entry.date, also, async (trx, before) => {
      const updated = await trx
        .updateTable('queue_entries')
        .set({ status, finished_at: now })
        .where('id', '=', entry.id)
        .where('status', 'in', ACTIVE_STATUSES)
        .executeTakeFirst();
      const current = toEntry(await trx.selectFrom('queue_entries').selectAll().where('id', '=', entry.id).executeTakeFirstOrThrow());
      if (updated.numUpdatedRows === 0n) throw new Rollback<LeaveOutcome>({ changed: false, entry: current });
      return { priorityStreak: before.priorityStreak, finish: (state) => ({ changed: true, entry: current, state }) };
    });
  }

  /** Sets an entry's priority; unchanged when it is out of the queue or already so. */
  setPriority(entry: QueueEntryEntity, priority: boolean, also: ChangeHook): Promise<PriorityOutcome> {
    return this.change(entry.providerId, entry.date, also, async (trx, before) => {
      const updated = await trx
        .updateTable('queue_entries')
        .set({ priority: priority ? 1 : 0 })
        .where('id', '=', entry.id)
        .where('status', 'in', ACTIVE_STATUSES)
        .where('priority', '=', priority ? 0 : 1)
        .executeTakeFirst();
      const current = toEntry(await trx.selectFrom('queue_entries').selectAll().where('id', '=', entry.id).executeTakeFirstOrThrow());
      if (updated.numUpdatedRows === 0n) throw new Rollback<PriorityOutcome>({ changed: false, entry: current });
      return { priorityStreak: before.priorityStreak, finish: (state) => ({ changed: true, entry: current, state }) };
    });
  }

  /**
   * Runs `work` as the next revision of the queue, holding its lock: `work` gets the queue as it was
   * and answers the day's priority streak after it and how to make its outcome of the queue it leaves
   * (read back in the transaction: exactly that revision's); then `also` writes what the change
   * causes, and the positions it told are recorded. A Rollback undoes it all and answers its value.
   */
  private async change<O>(
    providerId: number,
    date: string,
    also: ChangeHook,
    work: (trx: QueueDb, before: Omit<QueueState, 'services'>) => Promise<{ priorityStreak: number; finish: (after: QueueState) => O }>,
  ): Promise<O> {
    try {
      return await this.database.transaction(async (tx) => {
        const trx = tx.tables<'queue_days' | 'queue_entries'>();
        const day = await trx
          .insertInto('queue_days')
          .values({ provider_id: providerId, date, revision: 1 })
          .onConflict((conflict) =>
            conflict.columns(['provider_id', 'date']).doUpdateSet((eb) => ({ revision: eb('queue_days.revision', '+', 1) })),
          )
          .returning(['revision', 'priority_streak'])
          .executeTakeFirstOrThrow();
        const rows = await this.activeQuery(trx, providerId, date)
          .$if(this.database.locksRows, (query) => query.forUpdate())
          .execute();
        const before = {
          revision: day.revision - 1,
          active: this.ordered(rows.map(toEntry), day.priority_streak),
          priorityStreak: day.priority_streak,
        };
        const { priorityStreak, finish } = await work(trx, before);
        const after = await this.read(trx, providerId, date, day.revision, priorityStreak);
        const notified = await also(tx, { before, after });
        await this.recordNotified(trx, after, notified);
        return finish(after);
      });
    } catch (error) {
      if (error instanceof Rollback) return error.value as O;
      throw error;
    }
  }

  /** Adds the positions told to each entry's record, in the change's transaction. */
  private async recordNotified(trx: QueueDb, after: QueueState, notified: NotifiedPosition[]): Promise<void> {
    for (const entry of after.active) {
      const told = notified.filter((n) => n.entryId === entry.id).map((n) => n.position);
      if (told.length === 0) continue;
      const positions = [...new Set([...entry.notifiedPositions, ...told])];
      await trx
        .updateTable('queue_entries')
        .set({ notified_positions: formatPositions(positions) })
        .where('id', '=', entry.id)
        .execute();
      entry.notifiedPositions = positions;
    }
  }

  private async read(db: QueueDb, providerId: number, date: string, revision: number, priorityStreak: number): Promise<QueueState> {
    const active = await this.activeQuery(db, providerId, date).execute();
    return {
      revision,
      active: this.ordered(active.map(toEntry), priorityStreak),
      services: await this.services(db, providerId),
      priorityStreak,
    };
  }

  /** The one being served first, then the waiting in the order they will be called. */
  private ordered(entries: QueueEntryEntity[], priorityStreak: number): QueueEntryEntity[] {
    return [
      ...entries.filter((entry) => entry.status === 'called'),
      ...queueOrder(
        entries.filter((entry) => entry.status === 'waiting'),
        priorityStreak,
        this.streakLimit,
      ),
    ];
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

  /** Remote entries waiting (not yet called) in one queue. */
  private async remoteWaiting(db: Kysely<Pick<Database, 'queue_entries'>>, providerId: number, date: string): Promise<number> {
    const row = await db
      .selectFrom('queue_entries')
      .select((eb) => eb.fn.countAll<number | string>().as('waiting'))
      .where('provider_id', '=', providerId)
      .where('date', '=', date)
      .where('status', '=', 'waiting')
      .where('join_key', 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(row.waiting);
  }

  private async existing(db: QueueDb, entry: NewQueueEntry): Promise<QueueEntryEntity | null> {
    if (entry.remote) {
      const joined = await db.selectFrom('queue_entries').selectAll().where('join_key', '=', entry.remote.joinKey).executeTakeFirst();
      return joined ? toEntry(joined) : null;
    }
    if (entry.appointmentId !== null) {
      const byAppointment = await db
        .selectFrom('queue_entries')
        .selectAll()
        .where('appointment_id', '=', entry.appointmentId)
        .executeTakeFirst();
      if (byAppointment) return toEntry(byAppointment);
    }
    if (entry.clientId === null) return null;
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
