import { Injectable } from '@nestjs/common';
import { Caller } from '../access/caller';
import { ClientsService } from '../clients/clients.service';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { ProviderEntity } from '../providers/entities/provider.entity';
import { ProvidersService } from '../providers/providers.service';
import { SLOT_MINUTES } from '../scheduling/slots';
import { contactOf } from './appointment-contact';
import { slotIndexesOf } from './appointment-view';
import { AppointmentsService } from './appointments.service';
import { DayPicker, PickedDay } from './day-picker';
import { AppointmentView } from './dto/appointment.dto';
import { AppointmentEntity } from './entities/appointment.entity';
import { invalidLink, ManageLinks } from './manage-links';

/** A manage link's appointment, as its page shows it. */
export interface ManagedAppointment {
  appointment: AppointmentEntity;
  provider: ProviderEntity;
  clientName: string;
  durationMinutes: number;
}

/**
 * What a manage link lets its holder do: see the appointment, cancel it, or move it, acting as the
 * appointment's client would with its key (same rules, same answers). A link is good until the start
 * of the appointment it was signed for, and for that revision only: once the appointment is moved or
 * cancelled, every earlier link answers LINK_SUPERSEDED.
 */
@Injectable()
export class ManageService {
  constructor(
    private readonly links: ManageLinks,
    private readonly appointments: AppointmentsService,
    private readonly providers: ProvidersService,
    private readonly clients: ClientsService,
    private readonly picker: DayPicker,
    private readonly clock: Clock,
  ) {}

  /** The appointment the link acts on, if the link may still act. Reads only. */
  async open(token: string): Promise<ManagedAppointment> {
    const appointment = await this.actingOn(token);
    const [provider, client] = await Promise.all([
      this.providers.get(appointment.providerId),
      this.clients.getRecord(appointment.clientId),
    ]);
    return {
      appointment,
      provider,
      clientName: contactOf(appointment, client).name,
      durationMinutes: slotIndexesOf(appointment).length * SLOT_MINUTES,
    };
  }

  /** The manage page's day: the day asked, or the first with room for the appointment's duration. */
  pickDay(managed: ManagedAppointment, date: string | undefined): Promise<PickedDay> {
    const { provider, durationMinutes } = managed;
    return this.picker.pick({ providerId: provider.id, timeZone: provider.timeZone, date, durationMinutes });
  }

  async cancel(token: string, reason: string | undefined): Promise<AppointmentView> {
    const appointment = await this.actingOn(token);
    const given = reason?.trim() ? reason : undefined;
    return this.appointments.cancel(appointment.id, clientOf(appointment), given, appointment.revision);
  }

  async reschedule(token: string, to: { date: string; requested_slot: number }): Promise<AppointmentView> {
    const appointment = await this.actingOn(token);
    // The duration stays the appointment's own; the move is made only from the link's revision.
    return this.appointments.reschedule(appointment.id, to, clientOf(appointment), appointment.revision);
  }

  /**
   * The link's appointment, or why the link may not act: TOKEN_INVALID when it is not one of ours or
   * the appointment has started (the link's `exp`), LINK_SUPERSEDED when the appointment was moved or
   * cancelled since it was signed.
   */
  private async actingOn(token: string): Promise<AppointmentEntity> {
    const claims = this.links.verify(token);
    if (claims.expiresAtMs <= this.clock.nowMs()) {
      throw invalidLink('This link has expired: the appointment it was sent for has started');
    }
    const appointment = await this.appointments.find(claims.appointmentId).catch((error: unknown) => {
      throw error instanceof AppError && error.code === 'APPOINTMENT_NOT_FOUND' ? invalidLink() : error;
    });
    if (claims.revision > appointment.revision) throw invalidLink();
    if (claims.revision < appointment.revision || appointment.status === 'cancelled') {
      throw new AppError(
        'LINK_SUPERSEDED',
        appointment.status === 'cancelled'
          ? 'This link was replaced: the appointment was cancelled since it was sent.'
          : 'This link was replaced: the appointment was changed since it was sent, and a newer email has the current link.',
      );
    }
    // Links are only sent for confirmed appointments; anything else was never one of ours.
    if (appointment.status !== 'confirmed') throw invalidLink();
    return appointment;
  }
}

function clientOf(appointment: AppointmentEntity): Caller {
  return { role: 'client', clientId: appointment.clientId };
}
