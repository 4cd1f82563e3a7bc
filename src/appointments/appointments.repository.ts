import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, In, Repository } from 'typeorm';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { AppointmentEntity } from './entities/appointment.entity';
import { BookedSlotEntity } from './entities/booked-slot.entity';

export type NewAppointment = Omit<AppointmentEntity, 'id' | 'confirmedAt' | 'cancelledAt'>;

export interface SlotToBook {
  slotIndex: number;
  startsAt: number;
}

export type BookingOutcome = 'booked' | 'not-pending' | 'slot-taken';

export interface AppointmentFilter {
  providerId?: number;
  clientId?: number;
  date?: string;
}

const LIST_LIMIT = 500;

@Injectable()
export class AppointmentsRepository {
  constructor(
    @InjectRepository(AppointmentEntity) private readonly appointments: Repository<AppointmentEntity>,
    private readonly transactions: Transactions,
  ) {}

  insertPending(appointment: NewAppointment): Promise<AppointmentEntity> {
    return this.transactions.insertOne(AppointmentEntity, { ...appointment, confirmedAt: null, cancelledAt: null });
  }

  /** Undoes a request whose validation email could not be sent. */
  async deletePending(id: number): Promise<void> {
    await this.transactions.write((manager) => manager.delete(AppointmentEntity, { id, status: 'pending' }));
  }

  findById(id: number): Promise<AppointmentEntity | null> {
    return this.appointments.findOneBy({ id });
  }

  list(filter: AppointmentFilter): Promise<AppointmentEntity[]> {
    const where: FindOptionsWhere<AppointmentEntity> = {};
    if (filter.providerId !== undefined) where.providerId = filter.providerId;
    if (filter.clientId !== undefined) where.clientId = filter.clientId;
    if (filter.date !== undefined) where.date = filter.date;
    return this.appointments.find({ where, order: { startAt: 'ASC', id: 'ASC' }, take: LIST_LIMIT });
  }

  /**
   * Books a pending appointment in one transaction: the status moves from pending to confirmed only
   * once (a second confirmation finds nothing to update), and each slot is inserted under the
   * (provider, slot start) primary key, which refuses a slot that is already booked.
   */
  async book(appointment: AppointmentEntity, slots: SlotToBook[], confirmedAt: number): Promise<BookingOutcome> {
    try {
      return await this.transactions.run(async (manager) => {
        const updated = await manager.update(
          AppointmentEntity,
          { id: appointment.id, status: 'pending' },
          { status: 'confirmed', confirmedAt },
        );
        if (!updated.affected) return 'not-pending';
        await manager.insert(
          BookedSlotEntity,
          slots.map((slot) => ({
            providerId: appointment.providerId,
            startsAt: slot.startsAt,
            date: appointment.date,
            slotIndex: slot.slotIndex,
            appointmentId: appointment.id,
          })),
        );
        return 'booked';
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'slot-taken';
      throw error;
    }
  }

  /** Cancels a pending or confirmed appointment and frees its booked slots; false when already cancelled. */
  cancel(id: number, cancelledAt: number): Promise<boolean> {
    return this.transactions.run(async (manager) => {
      const updated = await manager.update(
        AppointmentEntity,
        { id, status: In(['pending', 'confirmed']) },
        { status: 'cancelled', cancelledAt },
      );
      if (!updated.affected) return false;
      await manager.delete(BookedSlotEntity, { appointmentId: id });
      return true;
    });
  }
}
