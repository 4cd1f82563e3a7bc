import {
  AppointmentFilter,
  AppointmentsRepository,
  BookingOutcome,
  NewAppointment,
  SlotToBook,
} from '../../../src/appointments/appointments.repository';
import { AppointmentEntity } from '../../../src/appointments/entities/appointment.entity';
import { copy, PublicSurface } from './public-surface';

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

  async bookedSlotIndexes(providerId: number, date: string): Promise<number[]> {
    return [...this.booked.values()].filter((slot) => slot.providerId === providerId && slot.date === date).map((slot) => slot.slotIndex);
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
