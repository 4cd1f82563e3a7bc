import { Hold } from '../holds/hold-store';
import { slotIndexesOf } from './appointment-view';
import { AppointmentEntity } from './entities/appointment.entity';

/** The hold an appointment row stands for, to release or claim again. */
export function holdOf(appointment: AppointmentEntity): Hold {
  return {
    holdId: appointment.holdId,
    providerId: appointment.providerId,
    date: appointment.date,
    slotIndexes: slotIndexesOf(appointment),
    expiresAt: appointment.expiresAt,
  };
}
