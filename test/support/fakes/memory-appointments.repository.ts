import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import {
  AppointmentFilter,
  AppointmentsRepository,
  BookingOutcome,
  NewAppointment,
  SlotToBook,
} from '../../../src/appointments/appointments.repository';
import { AppointmentEntity } from '../../../src/appointments/entities/appointment.entity';
import { BookedSlotsTable } from '../../../src/database/schema';
import type { SlotIndexQuery } from '../../../src/providers/schedule.repository';
import { copy, PublicSurface } from './public-surface';

/** Builds queries that are never run: what `bookedSlotIndexes` hands to the schedule is only a name for a set. */
const inertQueries = new Kysely<{ booked_slots: BookedSlotsTable }>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

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
  private readonly slotQueries = new WeakMap<object, { providerId: number; date: string }>();
  private lastId = 0;

  async insertPending(appointment: NewAppointment): Promise<AppointmentEntity> {
    const row: AppointmentEntity = { ...copy(appointment), id: ++this.lastId, confirmedAt: null, cancelledAt: null };
    this.rows.set(row.id, row);
    return copy(row);
  }

  async deletePending(id: number): Promise<void> {
    if (this.rows.get(id)?.status === 'pending') this.rows.delete(id);
  }

  async findById(id: number): Promise<AppointmentEntity | null> {
    const row = this.rows.get(id);
    return row ? copy(row) : null;
  }

  bookedSlotIndexes(providerId: number, date: string): SlotIndexQuery {
    const query = inertQueries
      .selectFrom('booked_slots')
      .select('slot_index')
      .where('provider_id', '=', providerId)
      .where('date', '=', date);
    this.slotQueries.set(query, { providerId, date });
    return query;
  }

  /** What a query from `bookedSlotIndexes` selects, as the database would answer it now (for the in-memory schedule). */
  slotIndexesSelectedBy(query: SlotIndexQuery): number[] {
    const named = this.slotQueries.get(query);
    if (!named) throw new Error('Not a query of this repository: the in-memory schedule can only run those');
    return [...this.booked.values()]
      .filter((slot) => slot.providerId === named.providerId && slot.date === named.date)
      .map((slot) => slot.slotIndex);
  }

  async list(filter: AppointmentFilter): Promise<AppointmentEntity[]> {
    return [...this.rows.values()]
      .filter((row) => filter.providerId === undefined || row.providerId === filter.providerId)
      .filter((row) => filter.clientId === undefined || row.clientId === filter.clientId)
      .filter((row) => filter.date === undefined || row.date === filter.date)
      .sort((a, b) => a.startAt - b.startAt || a.id - b.id)
      .map(copy);
  }

  async book(appointment: AppointmentEntity, slots: SlotToBook[], confirmedAt: number): Promise<BookingOutcome> {
    const row = this.rows.get(appointment.id);
    if (!row || row.status !== 'pending') return 'not-pending';
    const keys = slots.map((slot) => `${appointment.providerId}:${slot.startsAt}`);
    if (keys.some((key) => this.booked.has(key))) return 'slot-taken';
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

  async cancel(id: number, cancelledAt: number): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || (row.status !== 'pending' && row.status !== 'confirmed')) return false;
    Object.assign(row, { status: 'cancelled', cancelledAt });
    for (const [key, slot] of this.booked) if (slot.appointmentId === id) this.booked.delete(key);
    return true;
  }
}
