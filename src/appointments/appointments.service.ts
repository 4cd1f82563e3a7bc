import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { actsForClient, actsForProvider, assertActsForClient, assertActsForProvider, Caller } from '../access/caller';
import { ClientsService } from '../clients/clients.service';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { AppointmentFacts, DomainEvents } from '../common/domain-events';
import { holdsConfig, httpConfig } from '../config/namespaces';
import { Outbox } from '../delivery/outbox.service';
import { Transaction } from '../database/database.service';
import { Hold } from '../holds/hold-store';
import { noteDataSubject } from '../idempotency/data-subject';
import { MailService } from '../mail/mail.service';
import { MetricsService } from '../metrics/metrics.service';
import { BookingRules } from '../scheduling/booking-rules';
import { ProvidersService } from '../providers/providers.service';
import { NewMessage } from '../delivery/outbox-message';
import { WebhookEventType } from '../webhooks/webhook-events';
import { SlotRef } from '../scheduling/availability';
import { CalendarDate, DaySlot, endWallTime, indexToWallTime, localDateTime, SLOT_MINUTES } from '../scheduling/slots';
import { appointmentCalendar } from './appointment-calendar';
import { AppointmentPeople, mailFactsOf } from './appointment-mail-facts';
import { AppointmentCheckIns } from './appointment-check-ins';
import { contactOf, GuestContactDetails } from './appointment-contact';
import { appointmentFacts } from './appointment-facts';
import { AppointmentReminders } from './appointment-reminders';
import { holdOf } from './appointment-hold';
import { effectiveStatus, slotIndexesOf, toAppointmentView, toPendingView } from './appointment-view';
import { AppointmentMove, AppointmentsRepository, NewAppointment, PendingLimits } from './appointments.repository';
import {
  AppointmentList,
  AppointmentStatus,
  AppointmentView,
  ListAppointmentsQuery,
  ClientSlotRequest,
  PendingAppointmentView,
  RescheduleAppointmentDto,
} from './dto/appointment.dto';
import { AppointmentEntity } from './entities/appointment.entity';
import { HoldTokenService } from './hold-token.service';
import { ManageLinks } from './manage-links';
import { SlotHolds } from './slot-holds';
import { OpenSlotsService, TakeableSlots } from './open-slots.service';
import { ClientEntity } from '../clients/entities/client.entity';
import { WebhookEvents } from '../webhooks/webhook-events.service';

/**
 * How long the slots a reschedule claims stay held in the hold store: long enough for its transaction
 * to commit, after which the booked slots keep them; a crash in between frees them by this time.
 */
const MOVE_PIN_MS = 60_000;

/** The reason a provider reads on an appointment cancelled by its client's erasure. */
const ERASURE_REASON = 'The client asked for their personal data to be erased';

@Injectable()
export class AppointmentsService {
  private readonly logger = new Logger(AppointmentsService.name);

  constructor(
    private readonly appointments: AppointmentsRepository,
    private readonly openSlots: OpenSlotsService,
    private readonly clients: ClientsService,
    private readonly providers: ProvidersService,
    private readonly checkIns: AppointmentCheckIns,
    private readonly holds: SlotHolds,
    private readonly tokens: HoldTokenService,
    private readonly mail: MailService,
    private readonly outbox: Outbox,
    private readonly reminders: AppointmentReminders,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    private readonly manageLinks: ManageLinks,
    private readonly metrics: MetricsService,
    private readonly webhooks: WebhookEvents,
    @Inject(holdsConfig.KEY) private readonly holdSettings: ConfigType<typeof holdsConfig>,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {}

  /**
   * Holds the requested slots, then writes the pending appointment, its confirmation-link email and
   * (for a hold long enough) the reminder carrying the same link, in one transaction; the email goes
   * out once that commits. The booking rules are checked on fresh reads before the claim (the same
   * function the listing uses), the buffer with the claim, and the client's caps in the transaction.
   * If the write fails or a cap refuses it, the hold is released before the error is answered, so a
   * failed request leaves nothing behind. `guest`: the name and phone a guest typed, kept on the
   * appointment (see `contactOf`).
   */
  async request(dto: ClientSlotRequest, caller: Caller, guest?: GuestDetails): Promise<PendingAppointmentView> {
    assertActsForClient(caller, dto.client_id);
    const slotCount = (dto.duration_minutes ?? SLOT_MINUTES) / SLOT_MINUTES;
    const [dayLookup, clientLookup] = await Promise.allSettled([
      this.openSlots.takeableSlots({ providerId: dto.provider_id, date: dto.date, startIndex: dto.requested_slot, slotCount }),
      this.clients.get(dto.client_id),
    ]);
    // Both asked at once; an unknown provider is reported before an unknown client, and both before a booking rule.
    if (dayLookup.status === 'rejected' && !isRuleRefusal(dayLookup.reason)) throw dayLookup.reason;
    if (clientLookup.status === 'rejected') throw clientLookup.reason;
    if (dayLookup.status === 'rejected') throw dayLookup.reason;
    const appointment = await this.holdPending({
      date: dto.date,
      taken: dayLookup.value,
      client: clientLookup.value,
      guest,
      mailKind: 'validation',
    });
    return toPendingView(appointment);
  }

  /**
   * Offers slots to a waitlisted client: exactly a request's path (the same rule function, the same
   * atomic claim with its buffer, the same caps counted in the same transaction, a validation link),
   * with the email of kind `waitlist_offer`. `also` runs in the pending appointment's transaction (the
   * waitlist marks its entry there); if it throws, nothing is written and the hold is released.
   * Throws the rule's or the cap's AppError when the slots may not be offered to this client.
   */
  async offer(offer: SlotOffer): Promise<AppointmentFacts & { expiresAt: number }> {
    const [taken, client] = await Promise.all([
      this.openSlots.takeableSlots({
        providerId: offer.providerId,
        date: offer.date,
        startIndex: offer.startIndex,
        slotCount: offer.slotCount,
      }),
      this.clients.get(offer.clientId),
    ]);
    const appointment = await this.holdPending({ date: offer.date, taken, client, mailKind: 'waitlist_offer', also: offer.also });
    return { ...appointmentFacts(appointment), expiresAt: appointment.expiresAt };
  }

  /**
   * The one way a pending appointment is made: claim the slots (the hold store has the last word: a
   * rival's hold on them or their buffer, claimed since the read, refuses it), then write the
   * appointment, its link and the link's reminder in one transaction with the caps counted in it; on
   * any failure the hold is released before the error is answered. Tells `appointment.requested`.
   */
  private async holdPending(plan: PendingPlan): Promise<AppointmentEntity> {
    const { date, taken, client, guest, mailKind, also } = plan;
    const { day, slots, mustBeFree } = taken;
    noteDataSubject(client.id);
    const now = this.clock.nowMs();
    const hold: Hold = {
      holdId: randomUUID(),
      providerId: day.provider.id,
      date,
      slotIndexes: slots.map((slot) => slot.index),
      expiresAt: now + this.holdSettings.ttlSeconds * 1000,
    };
    if (!(await this.claimOrForget(hold, mustBeFree))) throw slotUnavailable();
    this.metrics.holdClaimed();

    const pending: NewAppointment = {
      providerId: hold.providerId,
      clientId: client.id,
      date,
      ...timesOfSlots(slots, day),
      status: 'pending',
      holdId: hold.holdId,
      expiresAt: hold.expiresAt,
      createdAt: now,
      guestName: guest?.name ?? null,
      guestPhone: guest?.phone ?? null,
    };
    const contact = contactOf(pending, client);
    let appointment: AppointmentEntity;
    try {
      appointment = await this.appointments.insertPending(
        pending,
        async (tx, inserted) => {
          // An erasure of the client since it was read above: nothing may be written, or sent, for it.
          await this.clients.assertNotErasedIn(tx, client.id);
          const token = this.tokens.sign(inserted.id, hold.holdId, hold.expiresAt);
          const facts = {
            to: contact.email,
            clientName: contact.name,
            providerName: day.provider.name,
            appointmentId: inserted.id,
            date: inserted.date,
            startTime: inserted.startTime,
            endTime: inserted.endTime,
            timeZone: day.timeZone,
            expiresAt: localDateTime(hold.expiresAt, day.timeZone),
            link: `${this.http.publicUrl}/api/validate?token=${encodeURIComponent(token)}`,
          };
          // The link, its reminder and the webhook calls in one statement: the request's transaction is its hot path.
          await this.outbox.add(
            tx,
            {
              channel: 'email',
              kind: mailKind,
              appointmentId: inserted.id,
              providerId: inserted.providerId,
              payload: mailKind === 'waitlist_offer' ? this.mail.waitlistOfferMail(facts) : this.mail.confirmationLinkMail(facts),
            },
            ...this.reminders.holdReminderOf(inserted, facts),
            ...(await this.webhookCalls(tx, 'appointment.requested', inserted, now)),
          );
          if (also) await also(tx, inserted);
        },
        this.limitsFor(day.provider.rules),
      );
    } catch (error) {
      await this.holds.release(hold).catch((releaseError: unknown) => {
        this.logger.warn(`Hold ${hold.holdId} not released after a failed request: ${String(releaseError)}; it lapses at its expiry`);
      });
      throw error;
    }
    await this.events.emit('appointment.requested', { ...appointmentFacts(appointment), expiresAt: hold.expiresAt });
    return appointment;
  }

  /**
   * Where these appointments stand, by id: the status now (a lapsed hold reads `expired`) and whether
   * each was ever confirmed; for a module that follows appointments it does not own (the waitlist's offers).
   */
  async standingOf(ids: readonly number[]): Promise<Map<number, AppointmentStanding>> {
    const rows = await this.appointments.findByIds(ids);
    const now = this.clock.nowMs();
    return new Map(rows.map((row) => [row.id, { status: effectiveStatus(row, now), everConfirmed: wasConfirmed(row) }]));
  }

  /** Every appointment of a client, oldest first, as stored (a guest's details included): its data export. */
  historyOfClient(clientId: number): Promise<AppointmentEntity[]> {
    return this.appointments.allOfClient(clientId);
  }

  /** Within a client's erasure: clears what its appointments keep of the person (see the repository). */
  eraseClientIn(tx: Transaction, clientId: number): ReturnType<AppointmentsRepository['eraseClientIn']> {
    return this.appointments.eraseClientIn(tx, clientId);
  }

  /**
   * After a client's erasure: cancels its appointments still to come, as if it had cancelled each
   * itself (the provider is told; nothing goes to the erased address). Safe to run again.
   */
  async cancelUpcomingOfErased(clientId: number): Promise<void> {
    const caller: Caller = { role: 'client', clientId };
    for (const id of await this.appointments.upcomingOfClient(clientId, this.clock.nowMs())) {
      await this.cancel(id, caller, ERASURE_REASON);
    }
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
   * not sent yet are dropped with it. The other party is told in the same transaction: the provider
   * when its client cancels, else the client; a confirmed appointment's notice takes it off the
   * calendar. Cancelling twice answers the same and tells nobody twice; a hold that lapsed stays
   * expired (there is nothing left to cancel). `atRevision` (a manage link's) refuses an appointment
   * changed since with LINK_SUPERSEDED.
   */
  async cancel(id: number, caller: Caller, reason?: string, atRevision?: number): Promise<AppointmentView> {
    const appointment = await this.findFor(id, caller);
    assertAtRevision(appointment, atRevision);
    const cancelledAt = this.clock.nowMs();
    const status = effectiveStatus(appointment, cancelledAt);
    if (status === 'pending' || status === 'confirmed') {
      // Read before the transaction: on SQLite it has the only connection.
      const [provider, client] = await Promise.all([
        this.providers.get(appointment.providerId),
        this.clients.getRecord(appointment.clientId),
      ]);
      const cancellation = { cancelledAt, reason: reason ?? null, atRevision };
      const cancelled = await this.appointments.cancel(id, cancellation, async (tx, row) => {
        await this.reminders.drop(tx, id);
        // Read again now that the row is locked: a client erased since is told nothing, and named nowhere.
        const current = client.erasedAt === null ? await this.clients.getRecordIn(tx, client.id) : client;
        await this.outbox.add(
          tx,
          ...this.cancellationNotices(row, caller, { provider, client: contactOf(row, current) }),
          ...(await this.webhookCalls(tx, 'appointment.cancelled', row, cancelledAt)),
        );
      });
      // A manage link's cancel that found the appointment changed since the link was signed.
      if (!cancelled && atRevision !== undefined) assertAtRevision(await this.find(id), atRevision);
      if (cancelled) {
        await this.holds.release(holdOf(cancelled)).catch((error: unknown) => {
          // The cancellation is committed; the hold lapses by itself at its expiry.
          this.logger.warn(`Hold of appointment ${id} not released: ${String(error)}`);
        });
        await this.events.emit('appointment.cancelled', {
          ...appointmentFacts(cancelled),
          cancelledAt,
          previousStatus: wasConfirmed(cancelled) ? 'confirmed' : 'pending',
          cancellationReason: cancelled.cancellationReason,
        });
      }
    }
    return toAppointmentView(await this.find(id), this.clock.nowMs());
  }

  /**
   * Moves a confirmed appointment to other slots in one atomic step. The new slots are claimed in the
   * hold store under the appointment's own hold id before anything else, so a reschedule racing
   * requests or other reschedules for them wins or loses there; then one transaction moves the row if
   * it is still confirmed at the revision read (raising it), swaps its booked slots (the unique key has
   * the last word), plans its reminders again for the new time and writes the client's mail with the
   * updated calendar file. Only once that commits are the old slots let go, so the client is never
   * left with neither; a failed move releases only what it claimed, and changes nothing.
   */
  async reschedule(id: number, dto: RescheduleAppointmentDto, caller: Caller, atRevision?: number): Promise<AppointmentView> {
    const appointment = await this.findFor(id, caller);
    // The move is then made only from this revision (compare-and-set), so one manage link moves at most once.
    assertAtRevision(appointment, atRevision);
    const now = this.clock.nowMs();
    assertReschedulable(appointment, now);
    const slotCount = (dto.duration_minutes ?? slotIndexesOf(appointment).length * SLOT_MINUTES) / SLOT_MINUTES;
    const [firstSlot] = slotIndexesOf(appointment);
    // A move to where it already is changes nothing: no new revision, no email, every link still good.
    if (dto.date === appointment.date && dto.requested_slot === firstSlot && slotCount === slotIndexesOf(appointment).length) {
      return toAppointmentView(appointment, now);
    }
    const [checkInLookup, takeableLookup, clientLookup] = await Promise.allSettled([
      this.checkIns.hasCheckedIn(id),
      this.openSlots.takeableSlots({
        providerId: appointment.providerId,
        date: dto.date,
        startIndex: dto.requested_slot,
        slotCount,
        exceptAppointment: { id, holdId: appointment.holdId },
      }),
      this.clients.get(appointment.clientId),
    ]);
    // In the contract's order: what the appointment is, then where it would go.
    if (checkInLookup.status === 'rejected') throw checkInLookup.reason;
    if (checkInLookup.value) throw notReschedulable(id, 'it has checked in to the queue');
    if (takeableLookup.status === 'rejected') throw takeableLookup.reason;
    if (clientLookup.status === 'rejected') throw clientLookup.reason;
    const [{ day, slots, mustBeFree }, client] = [takeableLookup.value, clientLookup.value];

    const previous = holdOf(appointment);
    const target: Hold = { ...previous, date: dto.date, slotIndexes: slots.map((slot) => slot.index), expiresAt: now + MOVE_PIN_MS };
    // Slots the appointment has booked are its own already; only the others are claimed (and, on failure, released).
    const claimed = slotsBeyond(target, previous);
    // Buffer slots are checked only with a claim: slots the appointment keeps need no new room around them.
    if (claimed.slotIndexes.length > 0) {
      if (!(await this.claimOrForget(claimed, mustBeFree))) throw slotUnavailable();
      this.metrics.holdClaimed();
    }

    const move: AppointmentMove = {
      fromRevision: appointment.revision,
      date: dto.date,
      ...timesOfSlots(slots, day),
      rescheduledAt: now,
      slots: slots.map((slot) => ({ slotIndex: slot.index, startsAt: slot.startMs })),
    };
    // The guest's details stay with the appointment as it moves: its new reminders text the same phone.
    const people = { provider: day.provider, client: contactOf(appointment, client) };
    let moved: AppointmentEntity;
    try {
      const result = await this.appointments.reschedule(id, move, async (tx, row) => {
        // Asked again inside the move: a check-in that committed since the first look undoes it.
        if (await this.checkIns.hasCheckedIn(id, tx)) throw notReschedulable(id, 'it has checked in to the queue');
        // And the client, now that the row is locked: one erased since it was read is mailed nothing.
        await this.clients.assertNotErasedIn(tx, client.id);
        await this.outbox.add(
          tx,
          this.rescheduleNotice(row, appointment, people),
          ...(await this.webhookCalls(tx, 'appointment.rescheduled', row, now)),
        );
        await this.reminders.replace(tx, row, people);
      });
      if (result.outcome !== 'moved') throw result.outcome === 'slot-taken' ? slotUnavailable() : await this.whyNotMoved(id);
      moved = result.appointment;
    } catch (error) {
      await this.releaseQuietly(claimed, 'a failed reschedule');
      throw error;
    }
    await this.releaseQuietly(slotsBeyond(previous, target), 'a reschedule');
    await this.events.emit('appointment.rescheduled', {
      ...appointmentFacts(moved),
      previousDate: appointment.date,
      previousStartAt: appointment.startAt,
      previousEndAt: appointment.endAt,
      rescheduledAt: now,
      revision: moved.revision,
    });
    return toAppointmentView(moved, this.clock.nowMs());
  }

  /** The webhook calls of an appointment's event, its data the appointment as GET /api/appointments/{id} shows it then. */
  private webhookCalls(tx: Transaction, type: WebhookEventType, appointment: AppointmentEntity, now: number): Promise<NewMessage[]> {
    return this.webhooks.messagesFor(
      tx,
      type,
      { providerId: appointment.providerId, appointmentId: appointment.id },
      toAppointmentView(appointment, now),
    );
  }

  /** The name and phone typed with each of these appointments' guest requests, for contactOf (one query). */
  guestDetailsOf(appointmentIds: readonly number[]): Promise<Map<number, GuestContactDetails>> {
    return this.appointments.guestDetailsOf(appointmentIds);
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

  /** The caps a new pending appointment with this provider must stay within (checked as it is written). */
  private limitsFor(rules: BookingRules): PendingLimits {
    return { activeWithProvider: rules.maxActivePerClient, pendingAcrossProviders: this.holdSettings.maxPendingPerClient };
  }

  /**
   * A claim that timed out may still run when Redis catches up; the release queued behind it (owner-
   * checked, so harmless if the claim never ran) keeps the slots from staying held for nobody.
   */
  private async claimOrForget(hold: Hold, mustBeFree: readonly SlotRef[]): Promise<boolean> {
    try {
      return await this.holds.claim(hold, mustBeFree);
    } catch (error) {
      this.holds.release(hold).catch(() => undefined);
      throw error;
    }
  }

  /** Releases what `hold` still owns, if anything; a release that fails leaves the slots to lapse with the hold. */
  private async releaseQuietly(hold: Hold, after: string): Promise<void> {
    if (hold.slotIndexes.length === 0) return;
    await this.holds.release(hold).catch((error: unknown) => {
      this.logger.warn(`Slots of hold ${hold.holdId} not released after ${after}: ${String(error)}; they lapse at the hold's expiry`);
    });
  }

  /** After a move found the row changed under it: cancelled (or another state), or moved by someone else. */
  private async whyNotMoved(id: number): Promise<AppError> {
    const fresh = await this.find(id);
    if (fresh.status !== 'confirmed') return notReschedulable(id, `it is ${fresh.status}, not confirmed`);
    return notReschedulable(id, 'another change to it committed meanwhile; read it again and retry');
  }

  /** The client's mail for a move: the new time, the old one, and the calendar file at the new revision. */
  private rescheduleNotice(moved: AppointmentEntity, previous: AppointmentEntity, people: AppointmentPeople): NewMessage {
    const { provider, client } = people;
    return {
      channel: 'email',
      kind: 'reschedule',
      appointmentId: moved.id,
      providerId: moved.providerId,
      payload: this.mail.rescheduleMail({
        ...mailFactsOf(moved, people),
        to: client.email,
        previousDate: previous.date,
        previousStartTime: previous.startTime,
        previousEndTime: previous.endTime,
        // Signed for the new revision: the links mailed before are superseded by this move.
        manageLink: this.manageLinks.linkFor(moved),
        ics: appointmentCalendar(moved, { provider, client }, this.clock.nowMs()),
      }),
    };
  }

  /**
   * The cancellation as the party that did not cancel reads it: the provider when its client
   * cancelled, the client when the provider or the administrator did. A confirmed appointment's
   * carries the calendar file that removes it (the same UID, the new revision).
   */
  private cancellationNotices(cancelled: AppointmentEntity, caller: Caller, people: AppointmentPeople): NewMessage[] {
    const told = caller.role === 'client' ? 'provider' : 'client';
    // A client who cancels a confirmed appointment gets the cancelling calendar file too: the event is in its calendar.
    const alsoClient = told === 'provider' && wasConfirmed(cancelled);
    return [
      this.cancellationNotice(cancelled, told, people),
      ...(alsoClient ? [this.cancellationNotice(cancelled, 'client', people)] : []),
    ];
  }

  private cancellationNotice(cancelled: AppointmentEntity, recipient: 'client' | 'provider', people: AppointmentPeople): NewMessage {
    const { provider, client } = people;
    return {
      channel: 'email',
      kind: 'cancellation',
      appointmentId: cancelled.id,
      providerId: cancelled.providerId,
      payload: this.mail.cancellationMail({
        ...mailFactsOf(cancelled, people),
        to: recipient === 'provider' ? provider.email : client.email,
        recipient,
        reason: cancelled.cancellationReason,
        ...(wasConfirmed(cancelled) ? { ics: appointmentCalendar(cancelled, { provider, client }, this.clock.nowMs(), 'CANCEL') } : {}),
      }),
    };
  }
}

/** Where a run of slots sits, as an appointment row keeps it: its indexes, wall-clock labels and instants. */
function timesOfSlots(
  slots: readonly DaySlot[],
  day: { date: CalendarDate; timeZone: string },
): Pick<AppointmentEntity, 'slotIndexes' | 'startTime' | 'endTime' | 'startAt' | 'endAt'> {
  const endMs = slots[slots.length - 1].endMs;
  return {
    slotIndexes: slots.map((slot) => slot.index).join(','),
    startTime: indexToWallTime(slots[0].index),
    endTime: endWallTime(endMs, day.date, day.timeZone),
    startAt: slots[0].startMs,
    endAt: endMs,
  };
}

/** What a pending appointment is made of: slots the rules let be taken, for a client, and how it is told. */
interface PendingPlan {
  date: string;
  taken: TakeableSlots;
  client: ClientEntity;
  guest?: GuestDetails;
  mailKind: 'validation' | 'waitlist_offer';
  also?: PendingAlso;
}

/** Written in a pending appointment's transaction, after the appointment and its mail. */
export type PendingAlso = (tx: Transaction, appointment: AppointmentEntity) => Promise<void>;

/** Slots offered to a client who did not ask for these exact ones (a waitlist entry). */
export interface SlotOffer {
  providerId: number;
  clientId: number;
  date: string;
  startIndex: number;
  slotCount: number;
  also: PendingAlso;
}

/** An appointment's status now, and whether it was ever confirmed (a cancelled one may have been). */
export interface AppointmentStanding {
  status: AppointmentStatus;
  everConfirmed: boolean;
}

/** The name and phone a guest typed with a request (trimmed; null phone: none given). */
export interface GuestDetails {
  name: string;
  phone: string | null;
}

/** A cancelled row was confirmed before if it was ever confirmed: its status is gone, its confirmation time stays. */
function wasConfirmed(appointment: AppointmentEntity): boolean {
  return appointment.confirmedAt !== null;
}

/** Only a confirmed appointment that has not started moves; whether it checked in is the queue's to say. */
function assertReschedulable(appointment: AppointmentEntity, now: number): void {
  const status = effectiveStatus(appointment, now);
  if (status !== 'confirmed') throw notReschedulable(appointment.id, `it is ${status}, not confirmed`);
  if (appointment.startAt <= now) throw notReschedulable(appointment.id, 'it has already started');
}

/** `hold` without the slots `other` has on the same date: what one holds that the other does not. */
function slotsBeyond(hold: Hold, other: Hold): Hold {
  const others = new Set(other.date === hold.date ? other.slotIndexes : []);
  return { ...hold, slotIndexes: hold.slotIndexes.filter((index) => !others.has(index)) };
}

function notReschedulable(id: number, why: string): AppError {
  return new AppError('NOT_RESCHEDULABLE', `Appointment ${id} cannot be rescheduled: ${why}`);
}

/** A change asked for at a revision (a manage link's) that the appointment has moved past. */
function assertAtRevision(appointment: AppointmentEntity, atRevision: number | undefined): void {
  if (atRevision !== undefined && appointment.revision !== atRevision) {
    throw new AppError(
      'LINK_SUPERSEDED',
      'This link was replaced: the appointment was changed since it was sent, and a newer email has the current link.',
    );
  }
}

function appointmentNotFound(id: number): AppError {
  return new AppError('APPOINTMENT_NOT_FOUND', `Appointment ${id} does not exist`);
}

function slotUnavailable(): AppError {
  return new AppError(
    'SLOT_UNAVAILABLE',
    "That slot is not open: it is held, booked, inside another appointment's buffer, outside the open hours or already past",
  );
}

/** The booking rules' refusals, answered after an unknown client. */
function isRuleRefusal(error: unknown): boolean {
  return error instanceof AppError && (error.code === 'SLOT_UNAVAILABLE' || error.code === 'TOO_SOON' || error.code === 'TOO_FAR_AHEAD');
}
