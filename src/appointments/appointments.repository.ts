import { Injectable } from '@nestjs/common';
import { Kysely, Selectable, sql } from 'kysely';
import { AppError } from '../common/app-error';
import { DatabaseService, Transaction } from '../database/database.service';
import { isUniqueViolation } from '../database/errors';
import { AppointmentsTable, Database } from '../database/schema';
import { GuestContactDetails } from './appointment-contact';
import { AppointmentEntity } from './entities/appointment.entity';

export type NewAppointment = Omit<
  AppointmentEntity,
  'id' | 'confirmedAt' | 'cancelledAt' | 'rescheduledAt' | 'cancellationReason' | 'revision'
>;

export interface SlotToBook {
  slotIndex: number;
  startsAt: number;
}

export type BookingOutcome = 'booked' | 'not-pending' | 'slot-taken';

/** A slot a confirmed appointment took. */
export interface BookedSlot {
  date: string;
  slotIndex: number;
  startsAt: number;
  appointmentId: number;
}

/** Where a confirmed appointment moves to, decided on the row as it stood at `fromRevision`. */
export interface AppointmentMove {
  fromRevision: number;
  date: string;
  slotIndexes: string;
  startTime: string;
  endTime: string;
  startAt: number;
  endAt: number;
  rescheduledAt: number;
  slots: SlotToBook[];
}

/**
 * `moved`: the row and its booked slots are the new ones; `changed`: the row was no longer confirmed at
 * that revision (cancelled, or moved by another request); `slot-taken`: another appointment holds one of
 * the new slots. Only `moved` changed anything.
 */
export type MoveOutcome = { outcome: 'moved'; appointment: AppointmentEntity } | { outcome: 'changed' | 'slot-taken' };

/** What a cancellation records besides the status. */
export interface Cancellation {
  cancelledAt: number;
  reason: string | null;
  /** Only if the row is still at this revision (a manage link's): a change since makes it cancel nothing. */
  atRevision?: number;
}

export interface AppointmentFilter {
  providerId?: number;
  clientId?: number;
  date?: string;
}

const LIST_LIMIT = 500;

/** The caps a new pending appointment must stay within, counted with it. */
export interface PendingLimits {
  /** Upcoming appointments (pending not lapsed, confirmed not started) one client may have with this provider; null: none. */
  activeWithProvider: number | null;
  /** Pending holds not lapsed one client may have across providers. */
  pendingAcrossProviders: number;
}

/**
 * Names the per-client lock of the caps among PostgreSQL's advisory locks (any fixed number no other
 * lock uses); an erasure of the client takes it too.
 */
export const CLIENT_CAPS_LOCK = 1_100_001;
/**
 * The longest a hold lasts (HOLD_TTL_SECONDS at most). A pending appointment is requested before its
 * start, so a live one starts after now minus this: the caps count only the client's appointments
 * starting since, an index range on (client_id, start_at) that does not grow with the client's history.
 */
const LONGEST_HOLD_MS = 86_400_000;

function toAppointment(row: Selectable<AppointmentsTable>): AppointmentEntity {
  return {
    id: row.id,
    providerId: row.provider_id,
    clientId: row.client_id,
    date: row.date,
    slotIndexes: row.slot_indexes,
    startTime: row.start_time,
    endTime: row.end_time,
    startAt: row.start_at,
    endAt: row.end_at,
    status: row.status,
    holdId: row.hold_id,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    confirmedAt: row.confirmed_at,
    cancelledAt: row.cancelled_at,
    rescheduledAt: row.rescheduled_at,
    cancellationReason: row.cancellation_reason,
    revision: row.revision,
    guestName: row.guest_name,
    guestPhone: row.guest_phone,
  };
}

@Injectable()
export class AppointmentsRepository {
  private readonly db: Kysely<Pick<Database, 'appointments' | 'booked_slots'>>;

  constructor(private readonly database: DatabaseService) {
    this.db = database.tables<'appointments' | 'booked_slots'>();
  }

  /**
   * Writes the pending appointment, and whatever `also` writes, in one transaction. With `limits`, the
   * client's caps are counted in the same transaction, one request of a client at a time (a PostgreSQL
   * advisory lock on the client until the commit; SQLite has a single writer), so concurrent requests
   * cannot all pass a count taken before any of them is written: one over a cap is 409 LIMIT_REACHED.
   * The client's erasure takes the same lock, so `also` sees whether the client was erased meanwhile.
   */
  insertPending(
    appointment: NewAppointment,
    also: (tx: Transaction, inserted: AppointmentEntity) => Promise<void>,
    limits?: PendingLimits,
  ): Promise<AppointmentEntity> {
    return this.database.transaction(async (tx) => {
      if (limits) await this.assertWithinLimits(tx, appointment, limits);
      const inserted = await this.insertPendingIn(tx, appointment);
      await also(tx, inserted);
      return inserted;
    });
  }

  private async assertWithinLimits(tx: Transaction, appointment: NewAppointment, limits: PendingLimits): Promise<void> {
    const trx = tx.tables<'appointments'>();
    if (this.database.locksRows) {
      await sql`SELECT pg_advisory_xact_lock(${CLIENT_CAPS_LOCK}::integer, ${appointment.clientId}::integer)`.execute(trx);
    }
    const now = appointment.createdAt;
    const counts = await trx
      .selectFrom('appointments')
      .select((eb) => {
        const livePending = eb.and([eb('status', '=', 'pending'), eb('expires_at', '>', now)]);
        const upcoming = eb.or([livePending, eb.and([eb('status', '=', 'confirmed'), eb('start_at', '>', now)])]);
        return [
          eb.fn.sum<number | string | null>(eb.case().when(livePending).then(1).else(0).end()).as('pending'),
          eb.fn
            .sum<number | string | null>(
              eb
                .case()
                .when(eb.and([eb('provider_id', '=', appointment.providerId), upcoming]))
                .then(1)
                .else(0)
                .end(),
            )
            .as('active'),
        ];
      })
      .where('client_id', '=', appointment.clientId)
      .where('start_at', '>', now - LONGEST_HOLD_MS)
      .executeTakeFirstOrThrow();
    const [pending, active] = [Number(counts.pending ?? 0), Number(counts.active ?? 0)];
    if (pending >= limits.pendingAcrossProviders) {
      throw new AppError(
        'LIMIT_REACHED',
        `This client already has ${pending} pending requests awaiting their emailed link (the most allowed)`,
      );
    }
    if (limits.activeWithProvider !== null && active >= limits.activeWithProvider) {
      throw new AppError(
        'LIMIT_REACHED',
        `This client already has ${active} upcoming appointments with this provider (the most it allows)`,
      );
    }
  }

  private async insertPendingIn(tx: Transaction, appointment: NewAppointment): Promise<AppointmentEntity> {
    const row = await tx
      .tables<'appointments'>()
      .insertInto('appointments')
      .values({
        provider_id: appointment.providerId,
        client_id: appointment.clientId,
        date: appointment.date,
        slot_indexes: appointment.slotIndexes,
        start_time: appointment.startTime,
        end_time: appointment.endTime,
        start_at: appointment.startAt,
        end_at: appointment.endAt,
        status: appointment.status,
        hold_id: appointment.holdId,
        expires_at: appointment.expiresAt,
        created_at: appointment.createdAt,
        guest_name: appointment.guestName,
        guest_phone: appointment.guestPhone,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ...appointment, id: row.id, confirmedAt: null, cancelledAt: null, rescheduledAt: null, cancellationReason: null, revision: 0 };
  }

  async findById(id: number): Promise<AppointmentEntity | null> {
    const [row] = await this.database.fetch(this.db.selectFrom('appointments').selectAll().where('id', '=', id));
    return row ? toAppointment(row) : null;
  }

  /** Every appointment of a client, oldest first, however many: what its data export holds. */
  async allOfClient(clientId: number): Promise<AppointmentEntity[]> {
    const rows = await this.db
      .selectFrom('appointments')
      .selectAll()
      .where('client_id', '=', clientId)
      .orderBy('start_at')
      .orderBy('id')
      .execute();
    return rows.map(toAppointment);
  }

  async findByIds(ids: readonly number[]): Promise<AppointmentEntity[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('appointments')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toAppointment);
  }

  /** The client's appointments still to come (pending or confirmed, not started): what its erasure cancels. */
  async upcomingOfClient(clientId: number, now: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('appointments')
      .select('id')
      .where('client_id', '=', clientId)
      .where('status', 'in', ['pending', 'confirmed'])
      .where('start_at', '>', now)
      .execute();
    return rows.map((row) => row.id);
  }

  /**
   * A client's erasure, within its transaction: takes the client's caps lock (so no request of the
   * client that read it before can write after) and locks its appointments' rows (so a confirmation,
   * cancellation or move of one, which writes messages to the client, either commits before the
   * erasure reads the messages or reads the client again after the erasure committed), then clears
   * what its appointments keep of the person (a guest's name and phone, the reason it gave when
   * cancelling). Answers the appointments' ids and the details cleared, for the other copies.
   */
  async eraseClientIn(
    tx: Transaction,
    clientId: number,
  ): Promise<{ appointmentIds: number[]; guestNames: string[]; guestPhones: string[] }> {
    const trx = tx.tables<'appointments'>();
    if (this.database.locksRows) {
      await sql`SELECT pg_advisory_xact_lock(${CLIENT_CAPS_LOCK}::integer, ${clientId}::integer)`.execute(trx);
    }
    const rows = await trx
      .selectFrom('appointments')
      .select(['id', 'guest_name', 'guest_phone'])
      .where('client_id', '=', clientId)
      .$if(this.database.locksRows, (query) => query.forUpdate())
      .execute();
    await trx
      .updateTable('appointments')
      .set({ guest_name: null, guest_phone: null, cancellation_reason: null })
      .where('client_id', '=', clientId)
      .where((eb) =>
        eb.or([eb('guest_name', 'is not', null), eb('guest_phone', 'is not', null), eb('cancellation_reason', 'is not', null)]),
      )
      .execute();
    const present = (values: (string | null)[]) => [...new Set(values.filter((value): value is string => value !== null))];
    return {
      appointmentIds: rows.map((row) => row.id),
      guestNames: present(rows.map((row) => row.guest_name)),
      guestPhones: present(rows.map((row) => row.guest_phone)),
    };
  }

  /** The guest details of these appointments, by id (only those that have any). */
  async guestDetailsOf(ids: readonly number[]): Promise<Map<number, GuestContactDetails>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('appointments')
      .select(['id', 'guest_name', 'guest_phone'])
      .where('id', 'in', [...ids])
      .where((eb) => eb.or([eb('guest_name', 'is not', null), eb('guest_phone', 'is not', null)]))
      .execute();
    return new Map(rows.map((row) => [row.id, { guestName: row.guest_name, guestPhone: row.guest_phone }]));
  }

  /**
   * The slots confirmed appointments took on these dates of a provider (a day, and the days a buffer
   * reaches): an index look-up by provider and date, whatever the history.
   */
  async bookedSlots(providerId: number, dates: readonly string[]): Promise<BookedSlot[]> {
    if (dates.length === 0) return [];
    const rows = await this.database.fetch(
      this.db
        .selectFrom('booked_slots')
        .select(['date', 'slot_index', 'starts_at', 'appointment_id'])
        .where('provider_id', '=', providerId)
        .where('date', 'in', [...dates]),
    );
    return rows.map((row) => ({ date: row.date, slotIndex: row.slot_index, startsAt: row.starts_at, appointmentId: row.appointment_id }));
  }

  async list(filter: AppointmentFilter): Promise<AppointmentEntity[]> {
    const rows = await this.db
      .selectFrom('appointments')
      .selectAll()
      .$if(filter.providerId !== undefined, (query) => query.where('provider_id', '=', filter.providerId!))
      .$if(filter.clientId !== undefined, (query) => query.where('client_id', '=', filter.clientId!))
      .$if(filter.date !== undefined, (query) => query.where('date', '=', filter.date!))
      .orderBy('start_at')
      .orderBy('id')
      .limit(LIST_LIMIT)
      .execute();
    return rows.map(toAppointment);
  }

  /**
   * Books a pending appointment in one transaction: the status moves from pending to confirmed only
   * once (a second confirmation finds nothing to update), and each slot is inserted under the
   * (provider, slot start) primary key, which refuses a slot that is already booked. What `also`
   * writes (the confirmation mail, the reminders) commits with the booking.
   */
  async book(
    appointment: AppointmentEntity,
    slots: SlotToBook[],
    confirmedAt: number,
    also: (tx: Transaction) => Promise<void>,
  ): Promise<BookingOutcome> {
    try {
      return await this.database.transaction(async (tx) => {
        const trx = tx.tables<'appointments' | 'booked_slots'>();
        const updated = await trx
          .updateTable('appointments')
          .set({ status: 'confirmed', confirmed_at: confirmedAt })
          .where('id', '=', appointment.id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (updated.numUpdatedRows === 0n) return 'not-pending';
        await trx
          .insertInto('booked_slots')
          .values(
            slots.map((slot) => ({
              provider_id: appointment.providerId,
              starts_at: slot.startsAt,
              date: appointment.date,
              slot_index: slot.slotIndex,
              appointment_id: appointment.id,
            })),
          )
          .execute();
        await also(tx);
        return 'booked';
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'slot-taken';
      throw error;
    }
  }

  /**
   * Cancels a confirmed appointment, or a pending one whose hold has not lapsed by `cancelledAt`, raises
   * its revision and frees its booked slots; null when it is cancelled or expired already. What `also`
   * writes (dropping its reminders, the notice to the other party) commits with the cancellation.
   */
  cancel(
    id: number,
    cancellation: Cancellation,
    also: (tx: Transaction, cancelled: AppointmentEntity) => Promise<void>,
  ): Promise<AppointmentEntity | null> {
    const { cancelledAt, reason, atRevision } = cancellation;
    return this.database.transaction(async (tx) => {
      const trx = tx.tables<'appointments' | 'booked_slots'>();
      const row = await trx
        .updateTable('appointments')
        .set((eb) => ({ status: 'cancelled', cancelled_at: cancelledAt, cancellation_reason: reason, revision: eb('revision', '+', 1) }))
        .where('id', '=', id)
        .where((eb) => eb.or([eb('status', '=', 'confirmed'), eb.and([eb('status', '=', 'pending'), eb('expires_at', '>', cancelledAt)])]))
        .$if(atRevision !== undefined, (query) => query.where('revision', '=', atRevision!))
        .returningAll()
        .executeTakeFirst();
      if (!row) return null;
      await trx.deleteFrom('booked_slots').where('appointment_id', '=', id).execute();
      const cancelled = toAppointment(row);
      await also(tx, cancelled);
      return cancelled;
    });
  }

  /**
   * Moves a confirmed appointment in one transaction: the row changes only if it is still confirmed
   * at `move.fromRevision` (compare-and-set; the revision goes up by one), its booked slots are
   * deleted and the new ones inserted under the (provider, slot start) key, which refuses a slot
   * another appointment has booked. What `also` writes (reminders, the client's mail) commits with the
   * move; if it throws, nothing is changed.
   */
  async reschedule(
    id: number,
    move: AppointmentMove,
    also: (tx: Transaction, moved: AppointmentEntity) => Promise<void>,
  ): Promise<MoveOutcome> {
    try {
      return await this.database.transaction(async (tx): Promise<MoveOutcome> => {
        const trx = tx.tables<'appointments' | 'booked_slots'>();
        const row = await trx
          .updateTable('appointments')
          .set({
            date: move.date,
            slot_indexes: move.slotIndexes,
            start_time: move.startTime,
            end_time: move.endTime,
            start_at: move.startAt,
            end_at: move.endAt,
            rescheduled_at: move.rescheduledAt,
            revision: move.fromRevision + 1,
          })
          .where('id', '=', id)
          .where('status', '=', 'confirmed')
          .where('revision', '=', move.fromRevision)
          .returningAll()
          .executeTakeFirst();
        if (!row) return { outcome: 'changed' };
        const moved = toAppointment(row);
        await trx.deleteFrom('booked_slots').where('appointment_id', '=', id).execute();
        await trx
          .insertInto('booked_slots')
          .values(
            move.slots.map((slot) => ({
              provider_id: moved.providerId,
              starts_at: slot.startsAt,
              date: moved.date,
              slot_index: slot.slotIndex,
              appointment_id: id,
            })),
          )
          .execute();
        await also(tx, moved);
        return { outcome: 'moved', appointment: moved };
      });
    } catch (error) {
      if (isUniqueViolation(error)) return { outcome: 'slot-taken' };
      throw error;
    }
  }

  /**
   * Marks up to `limit` pending appointments whose hold lapsed by `now` as expired, and answers those
   * this call changed. The status is checked again on the row being updated, so when processes sweep
   * at once each row is answered to one of them only: each lapse is told once. On PostgreSQL rows
   * another sweep holds are skipped rather than waited for. What `also` writes commits with the marks.
   */
  expireLapsed(
    now: number,
    limit: number,
    also: (tx: Transaction, expired: AppointmentEntity[]) => Promise<void>,
  ): Promise<AppointmentEntity[]> {
    return this.markExpired(now, { limit }, also);
  }

  /** Marks this appointment expired if it is pending and its hold lapsed by `now`; null when this call changed nothing. */
  async expire(
    id: number,
    now: number,
    also: (tx: Transaction, expired: AppointmentEntity[]) => Promise<void>,
  ): Promise<AppointmentEntity | null> {
    const [expired] = await this.markExpired(now, { id }, also);
    return expired ?? null;
  }

  private markExpired(
    now: number,
    which: { id: number } | { limit: number },
    also: (tx: Transaction, expired: AppointmentEntity[]) => Promise<void>,
  ): Promise<AppointmentEntity[]> {
    return this.database.transaction(async (tx) => {
      const lapsed = tx
        .tables<'appointments'>()
        .updateTable('appointments')
        .set({ status: 'expired' })
        .where('status', '=', 'pending')
        .where('expires_at', '<=', now);
      const rows = await (
        'id' in which
          ? lapsed.where('id', '=', which.id)
          : lapsed.where('id', 'in', (eb) =>
              eb
                .selectFrom('appointments')
                .select('id')
                .where('status', '=', 'pending')
                .where('expires_at', '<=', now)
                .orderBy('expires_at')
                .orderBy('id')
                .limit(which.limit)
                .$if(this.database.locksRows, (query) => query.forUpdate().skipLocked()),
            )
      )
        .returningAll()
        .execute();
      const expired = rows.map(toAppointment).sort((a, b) => a.expiresAt - b.expiresAt || a.id - b.id);
      if (expired.length > 0) await also(tx, expired);
      return expired;
    });
  }
}
