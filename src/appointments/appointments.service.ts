import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { actsForClient, actsForProvider, assertActsForClient, assertActsForProvider, Caller } from '../access/caller';
import { ClientsService } from '../clients/clients.service';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/domain-events';
import { holdsConfig, httpConfig } from '../config/namespaces';
import { Outbox } from '../delivery/outbox.service';
import { Hold } from '../holds/hold-store';
import { MailService } from '../mail/mail.service';
import { MetricsService } from '../metrics/metrics.service';
import { chainSlots, endWallTime, indexToWallTime, localDateTime, SLOT_MINUTES } from '../scheduling/slots';
import { appointmentFacts } from './appointment-facts';
import { AppointmentReminders } from './appointment-reminders';
import { holdOf } from './appointment-hold';
import { effectiveStatus, toAppointmentView, toPendingView } from './appointment-view';
import { AppointmentsRepository, NewAppointment } from './appointments.repository';
import { AppointmentList, AppointmentView, ClientSlotRequest, ListAppointmentsQuery, PendingAppointmentView } from './dto/appointment.dto';
import { AppointmentEntity } from './entities/appointment.entity';
import { HoldTokenService } from './hold-token.service';
import { SlotHolds } from './slot-holds';
import { OpenSlotsService } from './open-slots.service';

@Injectable()
export class AppointmentsService {
  private readonly logger = new Logger(AppointmentsService.name);

  constructor(
    private readonly appointments: AppointmentsRepository,
    private readonly openSlots: OpenSlotsService,
    private readonly clients: ClientsService,
    private readonly holds: SlotHolds,
    private readonly tokens: HoldTokenService,
    private readonly mail: MailService,
    private readonly outbox: Outbox,
    private readonly reminders: AppointmentReminders,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    private readonly metrics: MetricsService,
    @Inject(holdsConfig.KEY) private readonly holdSettings: ConfigType<typeof holdsConfig>,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {}

  /**
   * Holds the requested slots, then writes the pending appointment, its confirmation-link email and
   * (for a hold long enough) the reminder carrying the same link, in one transaction; the email goes
   * out once that commits. If the write fails, the hold is released
   * before the error is answered, so a failed request leaves nothing behind.
   */
  async request(dto: ClientSlotRequest, caller: Caller): Promise<PendingAppointmentView> {
    assertActsForClient(caller, dto.client_id);
    const slotCount = (dto.duration_minutes ?? SLOT_MINUTES) / SLOT_MINUTES;
    const [dayLookup, clientLookup] = await Promise.allSettled([
      this.openSlots.bookableDay(dto.provider_id, dto.date),
      this.clients.get(dto.client_id),
    ]);
    // Both asked at once; an unknown provider is reported before an unknown client.
    if (dayLookup.status === 'rejected') throw dayLookup.reason;
    if (clientLookup.status === 'rejected') throw clientLookup.reason;
    const [day, client] = [dayLookup.value, clientLookup.value];
    const slots = chainSlots(day.slots, dto.requested_slot, slotCount, (index) => day.bookable.has(index));
    if (!slots) throw slotUnavailable();

    const now = this.clock.nowMs();
    const hold: Hold = {
      holdId: randomUUID(),
      providerId: dto.provider_id,
      date: dto.date,
      slotIndexes: slots.map((slot) => slot.index),
      expiresAt: now + this.holdSettings.ttlSeconds * 1000,
    };
    if (!(await this.claimOrForget(hold))) throw slotUnavailable();
    this.metrics.holdClaimed();

    const endMs = slots[slots.length - 1].endMs;
    const pending: NewAppointment = {
      providerId: hold.providerId,
      clientId: client.id,
      date: dto.date,
      slotIndexes: hold.slotIndexes.join(','),
      startTime: indexToWallTime(slots[0].index),
      endTime: endWallTime(endMs, day.date, day.timeZone),
      startAt: slots[0].startMs,
      endAt: endMs,
      status: 'pending',
      holdId: hold.holdId,
      expiresAt: hold.expiresAt,
      createdAt: now,
    };
    let appointment: AppointmentEntity;
    try {
      appointment = await this.appointments.insertPending(pending, async (tx, inserted) => {
        const token = this.tokens.sign(inserted.id, hold.holdId, hold.expiresAt);
        const facts = {
          to: client.email,
          clientName: client.name,
          providerName: day.provider.name,
          appointmentId: inserted.id,
          date: inserted.date,
          startTime: inserted.startTime,
          endTime: inserted.endTime,
          timeZone: day.timeZone,
          expiresAt: localDateTime(hold.expiresAt, day.timeZone),
          link: `${this.http.publicUrl}/api/validate?token=${encodeURIComponent(token)}`,
        };
        // The link and its reminder in one statement: the request's transaction is its hot path.
        await this.outbox.add(
          tx,
          {
            channel: 'email',
            kind: 'validation',
            appointmentId: inserted.id,
            providerId: inserted.providerId,
            payload: this.mail.confirmationLinkMail(facts),
          },
          ...this.reminders.holdReminderOf(inserted, facts),
        );
      });
    } catch (error) {
      await this.holds.release(hold).catch((releaseError: unknown) => {
        this.logger.warn(`Hold ${hold.holdId} not released after a failed request: ${String(releaseError)}; it lapses at its expiry`);
      });
      throw error;
    }
    await this.events.emit('appointment.requested', { ...appointmentFacts(appointment), expiresAt: hold.expiresAt });
    return toPendingView(appointment);
  }

  async get(id: number, caller: Caller): Promise<AppointmentView> {
    return toAppointmentView(await this.findFor(id, caller), this.clock.nowMs());
  }

  /** A provider's key lists its own appointments, a client's key its own; asking for another's is 403. */
  async list(query: ListAppointmentsQuery, caller: Caller): Promise<AppointmentList> {
    let { provider_id: providerId, client_id: clientId } = query;
    if (caller.role === 'provider') {
      if (providerId !== undefined) assertActsForProvider(caller, providerId);
      providerId = caller.providerId;
    }
    if (caller.role === 'client') {
      if (clientId !== undefined) assertActsForClient(caller, clientId);
      clientId = caller.clientId;
    }
    const rows = await this.appointments.list({ providerId, clientId, date: query.date });
    const now = this.clock.nowMs();
    return { items: rows.map((row) => toAppointmentView(row, now)) };
  }

  /**
   * Cancels a pending or confirmed appointment; the slots are open again at once, and its reminders
   * not sent yet are dropped with it. Cancelling twice answers the same; a hold that lapsed stays
   * expired (there is nothing left to cancel).
   */
  async cancel(id: number, caller: Caller): Promise<AppointmentView> {
    const appointment = await this.findFor(id, caller);
    const cancelledAt = this.clock.nowMs();
    const previousStatus = effectiveStatus(appointment, cancelledAt);
    if (
      (previousStatus === 'pending' || previousStatus === 'confirmed') &&
      (await this.appointments.cancel(id, cancelledAt, (tx) => this.reminders.drop(tx, id)))
    ) {
      await this.holds.release(holdOf(appointment)).catch((error: unknown) => {
        // The cancellation is committed; the hold lapses by itself at its expiry.
        this.logger.warn(`Hold of appointment ${id} not released: ${String(error)}`);
      });
      await this.events.emit('appointment.cancelled', { ...appointmentFacts(appointment), cancelledAt, previousStatus });
    }
    return toAppointmentView(await this.find(id), this.clock.nowMs());
  }

  async find(id: number): Promise<AppointmentEntity> {
    const appointment = await this.appointments.findById(id);
    if (!appointment) throw appointmentNotFound(id);
    return appointment;
  }

  /** The appointment if the caller is its provider, its client or the administrator; else it does not exist. */
  async findFor(id: number, caller: Caller): Promise<AppointmentEntity> {
    const appointment = await this.find(id);
    if (!actsForProvider(caller, appointment.providerId) && !actsForClient(caller, appointment.clientId)) {
      throw appointmentNotFound(id);
    }
    return appointment;
  }

  /**
   * A claim that timed out may still run when Redis catches up; the release queued behind it (owner-
   * checked, so harmless if the claim never ran) keeps the slots from staying held for nobody.
   */
  private async claimOrForget(hold: Hold): Promise<boolean> {
    try {
      return await this.holds.claim(hold);
    } catch (error) {
      this.holds.release(hold).catch(() => undefined);
      throw error;
    }
  }
}

function appointmentNotFound(id: number): AppError {
  return new AppError('APPOINTMENT_NOT_FOUND', `Appointment ${id} does not exist`);
}

function slotUnavailable(): AppError {
  return new AppError('SLOT_UNAVAILABLE', 'That slot is not open: it is held, booked, not published or already past');
}
