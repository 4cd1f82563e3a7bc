import { AppointmentFacts } from '../common/domain-events';
import { AppointmentEntity } from './entities/appointment.entity';

/** What a domain event tells of an appointment. */
export function appointmentFacts(appointment: AppointmentEntity): AppointmentFacts {
  return {
    appointmentId: appointment.id,
    providerId: appointment.providerId,
    clientId: appointment.clientId,
    date: appointment.date,
    startTime: appointment.startTime,
    endTime: appointment.endTime,
    startAt: appointment.startAt,
    endAt: appointment.endAt,
  };
}
