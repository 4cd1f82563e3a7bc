import { Injectable, Logger } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/domain-events';
import { Hold } from '../holds/hold-store';
import { NewMessage } from '../delivery/outbox-message';
import { Outbox } from '../delivery/outbox.service';
import { WebhookEvents } from '../webhooks/webhook-events.service';
import { MailService } from '../mail/mail.service';
import { ProvidersService } from '../providers/providers.service';
import { bufferSlots, SlotRef } from '../scheduling/availability';
import { daySlots, parseDate } from '../scheduling/slots';
import { appointmentCalendar } from './appointment-calendar';
import { appointmentFacts } from './appointment-facts';
import { AppointmentPeople, mailFactsOf } from './appointment-mail-facts';
import { contactOf } from './appointment-contact';
import { AppointmentReminders } from './appointment-reminders';
import { HoldExpiryService } from './hold-expiry.service';
import { effectiveStatus, slotIndexesOf, toAppointmentView } from './appointment-view';
import { AppointmentsRepository } from './appointments.repository';
import { holdOf } from './appointment-hold';
import { ConfirmationView } from './dto/appointment.dto';
import { AppointmentEntity } from './entities/appointment.entity';
import { HoldTokenService } from './hold-token.service';
import { ManageLinks } from './manage-links';
import { SlotHolds } from './slot-holds';

/** How long a consumed hold keeps its slots while the booking commits. */
const BOOKING_PIN_MS = 60_000;

export interface HoldPreview {
  appointment: AppointmentEntity;
  providerName: string;
  clientName: string;
  timeZone: string;
}

@Injectable()
export class ConfirmationService {
  private readonly logger = new Logger(ConfirmationService.name);

  constructor(
    private readonly tokens: HoldTokenService,
    private readonly appointments: AppointmentsRepository,
    private readonly providers: ProvidersService,
    private readonly clients: ClientsService,
    private readonly holds: SlotHolds,
    private readonly mail: MailService,
    private readonly outbox: Outbox,
    private readonly webhooks: WebhookEvents,
    private readonly reminders: AppointmentReminders,
    private readonly expiry: HoldExpiryService,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    private readonly manageLinks: ManageLinks,
  ) {}

  /** What the link's page shows. Reads only: a mail scanner opening the link books nothing. */
  async preview(token: string): Promise<HoldPreview> {
    const appointment = await this.appointmentOf(token);
    this.assertConfirmable(appointment);
    const [provider, client] = await Promise.all([
      this.providers.get(appointment.providerId),
      this.clients.getRecord(appointment.clientId),
    ]);
    return { appointment, providerName: provider.name, clientName: contactOf(appointment, client).name, timeZone: provider.timeZone };
  }

  /**
   * Books the held slots exactly once, then mails the confirmation with a calendar file and plans the
   * reminders (the hold's reminder is dropped). The database
   * decides "once": the appointment moves from pending to confirmed in the booking transaction. If
   * that transaction fails, the hold is still there and the same link can be pressed again.
   */
  async confirm(token: string): Promise<ConfirmationView> {
    const appointment = await this.appointmentOf(token);
    try {
      return await this.book(appointment);
    } catch (error) {
      // A link pressed too late records the lapse, unless the sweeper (on any process) did first;
      // if it cannot now, the sweeper will, and the answer is still 410.
      if (error instanceof AppError && error.code === 'HOLD_EXPIRED') {
        await this.expiry.expire(appointment.id).catch((expireError: unknown) => {
          this.logger.warn(`Lapse of appointment ${appointment.id} not recorded, left to the sweeper: ${String(expireError)}`);
        });
      }
      throw error;
    }
  }

  private async book(appointment: AppointmentEntity): Promise<ConfirmationView> {
    this.assertConfirmable(appointment);
    const hold = holdOf(appointment);
    await this.readyHold(hold, appointment);

    const [provider, registered] = await Promise.all([
      this.providers.get(appointment.providerId),
      this.clients.getRecord(appointment.clientId),
    ]);
    // Pressing the link proves the address: the request's own details (a guest's) are used from now on.
    const client = contactOf(appointment, registered);
    const slotStarts = new Map(daySlots(parseDate(appointment.date)!, provider.timeZone).map((s) => [s.index, s.startMs]));
    const slots = slotIndexesOf(appointment).map((slotIndex) => ({ slotIndex, startsAt: slotStarts.get(slotIndex)! }));
    const confirmedAt = this.clock.nowMs();
    const booked = { ...appointment, status: 'confirmed' as const, confirmedAt };
    const outcome = await this.appointments.book(appointment, slots, confirmedAt, async (tx) => {
      // Read again now that the row is locked: a client erased since `registered` was read gets nothing booked or sent.
      if ((await this.clients.getRecordIn(tx, appointment.clientId)).erasedAt !== null) {
        throw new AppError('HOLD_CANCELLED', 'This appointment request was cancelled');
      }
      await this.reminders.dropHoldReminder(tx, appointment.id);
      // The confirmation and the reminders in one statement.
      await this.outbox.add(
        tx,
        this.confirmationMessage(booked, { provider, client }),
        ...this.reminders.remindersOf(booked, { provider, client }),
        ...(await this.webhooks.messagesFor(
          tx,
          'appointment.confirmed',
          { providerId: booked.providerId, appointmentId: booked.id },
          toAppointmentView(booked, confirmedAt),
        )),
      );
    });
    if (outcome !== 'booked') {
      // Lost to a cancellation or another confirmation (or, were the hold store wiped, another booking).
      await this.holds.release(hold).catch((error: unknown) => this.logger.warn(`Hold not released: ${String(error)}`));
      if (outcome === 'slot-taken') throw new AppError('SLOT_UNAVAILABLE', 'Another appointment was booked on these slots meanwhile');
      throw await this.whyNotConfirmable(appointment.id);
    }
    // The hold's record is left to lapse: the booking is what says "confirmed", and a round trip to remove it buys nothing.
    await this.events.emit('appointment.confirmed', { ...appointmentFacts(appointment), confirmedAt });
    return { status: 'confirmed', appointment: toAppointmentView(booked, confirmedAt) };
  }

  /**
   * The hold must still own its slots, pinned while the booking commits. A lapse is ruled out before
   * this is called, so a hold the store no longer has was lost (a Redis restart, a cancellation racing
   * this confirmation): its slots are claimed again for it if they and their buffer are still free of
   * other holds, and then only if no booking (which the lost store no longer showed) lies in the buffer.
   * Once the claim stands, a booking moving into the buffer meets it in the hold store.
   */
  private async readyHold(hold: Hold, appointment: AppointmentEntity): Promise<void> {
    if ((await this.holds.pin(hold, BOOKING_PIN_MS)) === 'held') return;
    const provider = await this.providers.get(appointment.providerId);
    const buffer = bufferSlots(appointment.date, provider.timeZone, appointment.startAt, appointment.endAt, provider.rules.bufferMinutes);
    const reclaimed = await this.holds.claim({ ...hold, expiresAt: Math.max(hold.expiresAt, this.clock.nowMs() + BOOKING_PIN_MS) }, buffer);
    if (!reclaimed) throw await this.whyNotConfirmable(appointment.id);
    if (await this.bookedWithin(appointment, buffer)) {
      await this.holds.release(hold).catch((error: unknown) => this.logger.warn(`Hold not released: ${String(error)}`));
      throw new AppError(
        'SLOT_UNAVAILABLE',
        'An appointment was booked next to these slots meanwhile, inside the time kept free around it',
      );
    }
  }

  /** Whether another appointment's booked slot lies among `buffer`. */
  private async bookedWithin(appointment: AppointmentEntity, buffer: readonly SlotRef[]): Promise<boolean> {
    if (buffer.length === 0) return false;
    const kept = new Set(buffer.map((ref) => `${ref.date}:${ref.index}`));
    const booked = await this.appointments.bookedSlots(appointment.providerId, [...new Set(buffer.map((ref) => ref.date))]);
    return booked.some((slot) => slot.appointmentId !== appointment.id && kept.has(`${slot.date}:${slot.slotIndex}`));
  }

  private async appointmentOf(token: string): Promise<AppointmentEntity> {
    const claims = this.tokens.verify(token);
    const appointment = await this.appointments.findById(claims.appointmentId);
    if (!appointment || appointment.holdId !== claims.holdId) {
      throw new AppError('TOKEN_INVALID', 'This link is not valid: it was altered, or it is not one of ours');
    }
    return appointment;
  }

  private assertConfirmable(appointment: AppointmentEntity): void {
    const now = this.clock.nowMs();
    switch (effectiveStatus(appointment, now)) {
      case 'confirmed':
        throw new AppError('ALREADY_CONFIRMED', 'This appointment is already confirmed', {
          appointment: toAppointmentView(appointment, now),
        });
      case 'cancelled':
        throw new AppError('HOLD_CANCELLED', 'This appointment request was cancelled');
      case 'expired':
        throw new AppError('HOLD_EXPIRED', 'This hold has expired; the slot is open again, ask for it anew');
      case 'pending':
        return;
    }
  }

  /** After losing a race (another confirmation, a cancellation, the expiry, another hold): say which. */
  private async whyNotConfirmable(id: number): Promise<AppError> {
    const fresh = await this.appointments.findById(id);
    try {
      if (fresh) this.assertConfirmable(fresh);
    } catch (error) {
      return error as AppError;
    }
    return new AppError('SLOT_UNAVAILABLE', 'The held slots were taken meanwhile; please choose another');
  }

  /** The confirmation email with its calendar file, for the booking's transaction. */
  private confirmationMessage(appointment: AppointmentEntity, people: AppointmentPeople): NewMessage {
    const { provider, client } = people;
    const mail = this.mail.confirmationMail({
      ...mailFactsOf(appointment, people),
      to: client.email,
      manageLink: this.manageLinks.linkFor(appointment),
      ics: appointmentCalendar(appointment, { provider, client }, appointment.confirmedAt ?? this.clock.nowMs()),
    });
    return { channel: 'email', kind: 'confirmation', appointmentId: appointment.id, providerId: appointment.providerId, payload: mail };
  }
}
