import { buildIcs, CalendarMethod } from '../mail/ics';
import { AppointmentEntity } from './entities/appointment.entity';

/** One UID per appointment for all its versions, so a calendar updates or removes the event it holds. */
export function appointmentUid(appointmentId: number): string {
  return `appointment-${appointmentId}@scheduler`;
}

/**
 * The appointment as a calendar file, at its current revision (the SEQUENCE): the event to add or
 * update (REQUEST), or to take off (CANCEL).
 */
export function appointmentCalendar(
  appointment: AppointmentEntity,
  people: { provider: { name: string; email: string; timeZone: string }; client: { email: string } },
  stampMs: number,
  method: CalendarMethod = 'REQUEST',
): string {
  const { provider, client } = people;
  return buildIcs({
    uid: appointmentUid(appointment.id),
    sequence: appointment.revision,
    method,
    startMs: appointment.startAt,
    endMs: appointment.endAt,
    stampMs,
    summary: `Appointment with ${provider.name}`,
    description: `Appointment ${appointment.id} with ${provider.name}, ${appointment.date} ${appointment.startTime}–${appointment.endTime} (${provider.timeZone})`,
    organizerEmail: provider.email,
    attendeeEmail: client.email,
  });
}
