import { SLOT_MINUTES } from '../scheduling/slots';
import { AppointmentStatus, AppointmentTimesView, AppointmentView, PendingAppointmentView } from './dto/appointment.dto';
import { AppointmentEntity } from './entities/appointment.entity';

export function slotIndexesOf(appointment: AppointmentEntity): number[] {
  return appointment.slotIndexes.split(',').map(Number);
}

/** A pending appointment whose hold has lapsed reads as expired. */
export function effectiveStatus(appointment: AppointmentEntity, nowMs: number): AppointmentStatus {
  if (appointment.status === 'pending' && nowMs >= appointment.expiresAt) return 'expired';
  return appointment.status;
}

const iso = (ms: number) => new Date(ms).toISOString();

function timesOf(appointment: AppointmentEntity): AppointmentTimesView {
  return {
    provider_id: appointment.providerId,
    client_id: appointment.clientId,
    date: appointment.date,
    start_time: appointment.startTime,
    end_time: appointment.endTime,
    start: iso(appointment.startAt),
    end: iso(appointment.endAt),
    duration_minutes: slotIndexesOf(appointment).length * SLOT_MINUTES,
  };
}

export function toAppointmentView(appointment: AppointmentEntity, nowMs: number): AppointmentView {
  const status = effectiveStatus(appointment, nowMs);
  return {
    id: appointment.id,
    status,
    ...timesOf(appointment),
    ...(status === 'pending' || status === 'expired' ? { expires_at: iso(appointment.expiresAt) } : {}),
    ...(appointment.confirmedAt !== null ? { confirmed_at: iso(appointment.confirmedAt) } : {}),
    ...(appointment.cancelledAt !== null ? { cancelled_at: iso(appointment.cancelledAt) } : {}),
    ...(appointment.rescheduledAt !== null ? { rescheduled_at: iso(appointment.rescheduledAt) } : {}),
    ...(appointment.cancellationReason !== null ? { cancellation_reason: appointment.cancellationReason } : {}),
  };
}

export function toPendingView(appointment: AppointmentEntity): PendingAppointmentView {
  return {
    appointment_id: appointment.id,
    status: 'pending',
    ...timesOf(appointment),
    expires_at: iso(appointment.expiresAt),
  };
}
