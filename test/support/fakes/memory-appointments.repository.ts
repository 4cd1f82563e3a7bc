import {
  AppointmentFilter,
  AppointmentMove,
  AppointmentsRepository,
  BookedSlot as BookedSlotRow,
  BookingOutcome,
  Cancellation,
  MoveOutcome,
  NewAppointment,
  PendingLimits,
  SlotToBook,
} from '../../../src/appointments/appointments.repository';
import { AppointmentEntity } from '../../../src/appointments/entities/appointment.entity';
import { AppError } from '../../../src/common/app-error';
import { Transaction } from '../../../src/database/database.service';
import { copy, PublicSurface } from './public-surface';
import { FAKE_TRANSACTION } from './recording-outbox';

interface BookedSlot {
  providerId: number;
  startsAt: number;
  date: string;
  slotIndex: number;
  appointmentId: number;
}

/**
 * The `appointments` and `booked_slots` tables in memory, keeping the promises of the real repository:
 * booking moves pending → confirmed once and takes every slot or none (the (provider, slot start) key
 * refuses a slot already booked), cancelling frees the booked slots.
 */
export class InMemoryAppointmentsRepository implements PublicSurface<AppointmentsRepository> {
  private readonly rows = new Map<number, AppointmentEntity>();
  private readonly booked = new Map<string, BookedSlot>();
  private lastId = 0;

  /** As in one transaction: when `also` fails, nothing is written. Counted and written in one turn, as under the client's lock. */
  async insertPending(
    appointment: NewAppointment,
    also: (tx: Transaction, inserted: AppointmentEntity) => Promise<void>,
    limits?: PendingLimits,
  ): Promise<AppointmentEntity> {
    if (limits) this.assertWithinLimits(appointment, limits);
    const row: AppointmentEntity = {
      ...copy(appointment),
      id: this.lastId + 1,
      confirmedAt: null,
      cancelledAt: null,
      rescheduledAt: null,
      cancellationReason: null,
      revision: 0,
    };
    await also(FAKE_TRANSACTION, copy(row));
    this.lastId = row.id;
    this.rows.set(row.id, row);
    return copy(row);
  }

  async allOfClient(clientId: number): Promise<AppointmentEntity[]> {
    return [...this.rows.values()]
      .filter((row) => row.clientId === clientId)
      .sort((a, b) => a.startAt - b.startAt || a.id - b.id)
      .map(copy);
  }

  async upcomingOfClient(clientId: number, now: number): Promise<number[]> {
    return [...this.rows.values()]
      .filter((row) => row.clientId === clientId && (row.status === 'pending' || row.status === 'confirmed') && row.startAt > now)
      .map((row) => row.id);
  }

  async eraseClientIn(
    _tx: Transaction,
    clientId: number,
  ): Promise<{ appointmentIds: number[]; guestNames: string[]; guestPhones: string[] }> {
    const rows = [...this.rows.values()].filter((row) => row.clientId === clientId);
    const present = (values: (string | null)[]) => [...new Set(values.filter((value): value is string => value !== null))];
    const erased = {
      appointmentIds: rows.map((row) => row.id),
      guestNames: present(rows.map((row) => row.guestName)),
      guestPhones: present(rows.map((row) => row.guestPhone)),
    };
    for (const row of rows) Object.assign(row, { guestName: null, guestPhone: null, cancellationReason: null });
    return erased;
  }

  private assertWithinLimits(appointment: NewAppointment, limits: PendingLimits): void {
    const now = appointment.createdAt;
    const mine = [...this.rows.values()].filter((row) => row.clientId === appointment.clientId);
    const livePending = (row: AppointmentEntity) => row.status === 'pending' && row.expiresAt > now;
    const pending = mine.filter(livePending).length;
    const active = mine.filter(
      (row) => row.providerId === appointment.providerId && (livePending(row) || (row.status === 'confirmed' && row.startAt > now)),
    ).length;
    if (pending >= limits.pendingAcrossProviders) throw new AppError('LIMIT_REACHED', 'pending holds');
    if (limits.activeWithProvider !== null && active >= limits.activeWithProvider)
      throw new AppError('LIMIT_REACHED', 'upcoming appointments');
  }

  async guestDetailsOf(ids: readonly number[]): Promise<Map<number, Pick<AppointmentEntity, 'guestName' | 'guestPhone'>>> {
    const rows = [...this.rows.values()].filter((row) => ids.includes(row.id) && (row.guestName !== null || row.guestPhone !== null));
    return new Map(rows.map((row) => [row.id, { guestName: row.guestName, guestPhone: row.guestPhone }]));
  }

  async findById(id: number): Promise<AppointmentEntity | null> {
    const row = this.rows.get(id);
    return row ? copy(row) : null;
  }

  async findByIds(ids: readonly number[]): Promise<AppointmentEntity[]> {
    return [...this.rows.values()].filter((row) => ids.includes(row.id)).map(copy);
  }

  async bookedSlots(providerId: number, dates: readonly string[]): Promise<BookedSlotRow[]> {
    return [...this.booked.values()]
      .filter((slot) => slot.providerId === providerId && dates.includes(slot.date))
      .map(({ date, slotIndex, startsAt, appointmentId }) => ({ date, slotIndex, startsAt, appointmentId }));
  }

  async list(filter: AppointmentFilter): Promise<AppointmentEntity[]> {
    return [...this.rows.values()]
      .filter((row) => filter.providerId === undefined || row.providerId === filter.providerId)
      .filter((row) => filter.clientId === undefined || row.clientId === filter.clientId)
      .filter((row) => filter.date === undefined || row.date === filter.date)
      .sort((a, b) => a.startAt - b.startAt || a.id - b.id)
      .map(copy);
  }

  async book(
    appointment: AppointmentEntity,
    slots: SlotToBook[],
    confirmedAt: number,
    also: (tx: Transaction) => Promise<void>,
  ): Promise<BookingOutcome> {
    const row = this.rows.get(appointment.id);
    if (!row || row.status !== 'pending') return 'not-pending';
    const keys = slots.map((slot) => `${appointment.providerId}:${slot.startsAt}`);
    if (keys.some((key) => this.booked.has(key))) return 'slot-taken';
    await also(FAKE_TRANSACTION);
    Object.assign(row, { status: 'confirmed', confirmedAt });
    slots.forEach((slot, i) =>
      this.booked.set(keys[i], {
        providerId: appointment.providerId,
        startsAt: slot.startsAt,
        date: appointment.date,
        slotIndex: slot.slotIndex,
        appointmentId: appointment.id,
      }),
    );
    return 'booked';
  }

  async cancel(
    id: number,
    { cancelledAt, reason, atRevision }: Cancellation,
    also: (tx: Transaction, cancelled: AppointmentEntity) => Promise<void>,
  ): Promise<AppointmentEntity | null> {
    const row = this.rows.get(id);
    if (!row || !(row.status === 'confirmed' || (row.status === 'pending' && row.expiresAt > cancelledAt))) return null;
    if (atRevision !== undefined && row.revision !== atRevision) return null;
    const cancelled: AppointmentEntity = {
      ...copy(row),
      status: 'cancelled',
      cancelledAt,
      cancellationReason: reason,
      revision: row.revision + 1,
    };
    await also(FAKE_TRANSACTION, copy(cancelled));
    this.rows.set(id, cancelled);
    for (const [key, slot] of this.booked) if (slot.appointmentId === id) this.booked.delete(key);
    return copy(cancelled);
  }

  /**
   * As in one transaction: the compare-and-set and the slots are decided before anything awaits (so
   * two moves at once cannot both pass), and `also` failing puts everything back.
   */
  async reschedule(
    id: number,
    move: AppointmentMove,
    also: (tx: Transaction, moved: AppointmentEntity) => Promise<void>,
  ): Promise<MoveOutcome> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'confirmed' || row.revision !== move.fromRevision) return { outcome: 'changed' };
    const keys = move.slots.map((slot) => `${row.providerId}:${slot.startsAt}`);
    if (keys.some((key) => this.booked.has(key) && this.booked.get(key)!.appointmentId !== id)) return { outcome: 'slot-taken' };
    const { slots: _slots, fromRevision: _fromRevision, ...fields } = copy(move);
    const moved: AppointmentEntity = { ...copy(row), ...fields, revision: row.revision + 1 };
    const bookedBefore = new Map(this.booked);
    this.rows.set(id, moved);
    for (const [key, slot] of this.booked) if (slot.appointmentId === id) this.booked.delete(key);
    move.slots.forEach((slot, i) =>
      this.booked.set(keys[i], {
        providerId: row.providerId,
        startsAt: slot.startsAt,
        date: move.date,
        slotIndex: slot.slotIndex,
        appointmentId: id,
      }),
    );
    try {
      await also(FAKE_TRANSACTION, copy(moved));
    } catch (error) {
      this.rows.set(id, row);
      this.booked.clear();
      for (const [key, slot] of bookedBefore) this.booked.set(key, slot);
      throw error;
    }
    return { outcome: 'moved', appointment: copy(moved) };
  }

  async expireLapsed(
    now: number,
    limit: number,
    also: (tx: Transaction, expired: AppointmentEntity[]) => Promise<void>,
  ): Promise<AppointmentEntity[]> {
    const lapsed = [...this.rows.values()]
      .filter((row) => row.status === 'pending' && row.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt || a.id - b.id)
      .slice(0, limit);
    return this.markExpired(lapsed, also);
  }

  async expire(
    id: number,
    now: number,
    also: (tx: Transaction, expired: AppointmentEntity[]) => Promise<void>,
  ): Promise<AppointmentEntity | null> {
    const row = this.rows.get(id);
    const [expired] = await this.markExpired(row && row.status === 'pending' && row.expiresAt <= now ? [row] : [], also);
    return expired ?? null;
  }

  private async markExpired(
    rows: AppointmentEntity[],
    also: (tx: Transaction, expired: AppointmentEntity[]) => Promise<void>,
  ): Promise<AppointmentEntity[]> {
    const expired = rows.map((row) => ({ ...copy(row), status: 'expired' as const }));
    if (expired.length > 0) await also(FAKE_TRANSACTION, expired.map(copy));
    for (const row of rows) row.status = 'expired';
    return expired;
  }
}
