import { Injectable, Logger } from '@nestjs/common';
import { actsForClient, actsForProvider, assertActsForClient, assertActsForProvider, Caller } from '../access/caller';
import { AppointmentsService } from '../appointments/appointments.service';
import { OpenSlotsService } from '../appointments/open-slots.service';
import { ClientsService } from '../clients/clients.service';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { WebhookEvents } from '../webhooks/webhook-events.service';
import { AppointmentFacts, DomainEventMap, DomainEvents, OnDomainEvent } from '../common/domain-events';
import { Transaction } from '../database/database.service';
import { dayBeforeTodayError } from '../providers/open-hours';
import { ProvidersService } from '../providers/providers.service';
import { shiftDate } from '../scheduling/availability';
import { localDate, SLOT_MINUTES, SLOTS_PER_DAY } from '../scheduling/slots';
import { JoinWaitlistDto, WaitlistEntryView, WaitlistList, WaitlistQuery } from './dto/waitlist.dto';
import { WaitlistEntryEntity } from './entities/waitlist-entry.entity';
import { chooseOffer, windowErrorsOf } from './waitlist-choice';
import { OfferOutcome, toWaitlistView } from './waitlist-view';
import { WaitingDay, WaitlistRepository } from './waitlist.repository';

/**
 * Most offers tried for one day in one pass: each either makes an offer, passes over an entry the
 * caps refuse, or reads again after losing a race; a pass that hits this bound is finished by the next trigger.
 */
const MAX_TRIES_PER_DAY = 50;

/** Thrown inside an offer's transaction when its entry is no longer waiting: undoes the offer. */
class EntryNoLongerWaiting extends Error {
  constructor(readonly entryId: number) {
    super(`Waitlist entry ${entryId} is no longer waiting`);
  }
}

type TryOutcome = 'offered' | 'passed-over' | 'read-again' | 'stop';

@Injectable()
export class WaitlistService {
  private readonly logger = new Logger(WaitlistService.name);

  constructor(
    private readonly entries: WaitlistRepository,
    private readonly appointments: AppointmentsService,
    private readonly openSlots: OpenSlotsService,
    private readonly providers: ProvidersService,
    private readonly clients: ClientsService,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    private readonly webhooks: WebhookEvents,
  ) {}

  /**
   * Puts a client on a provider's waitlist for a day. The window and duration are checked before
   * anything is read, the date against the provider's today once the provider is known; nothing is
   * written unless all pass. Tells `waitlist.joined` once written (an opening that fits already may
   * be offered at once).
   */
  async join(dto: JoinWaitlistDto, caller: Caller): Promise<WaitlistEntryView> {
    const durationMinutes = dto.duration_minutes ?? SLOT_MINUTES;
    const fromSlot = dto.from_slot ?? 0;
    const toSlot = dto.to_slot ?? SLOTS_PER_DAY;
    const windowErrors = windowErrorsOf(durationMinutes, fromSlot, toSlot);
    if (windowErrors.length > 0) throw AppError.validation(windowErrors);
    assertActsForClient(caller, dto.client_id);
    const [provider] = await Promise.all([this.providers.get(dto.provider_id), this.clients.get(dto.client_id)]);
    const now = this.clock.nowMs();
    const pastDay = dayBeforeTodayError(dto.date, provider.timeZone, now);
    if (pastDay) throw AppError.validation([pastDay]);

    const entry = await this.entries.insert({
      providerId: provider.id,
      clientId: dto.client_id,
      date: dto.date,
      durationMinutes,
      fromSlot,
      toSlot,
      createdAt: now,
    });
    await this.events.emit('waitlist.joined', {
      entryId: entry.id,
      providerId: entry.providerId,
      clientId: entry.clientId,
      date: entry.date,
    });
    return toWaitlistView(entry, undefined);
  }

  /** The administrator lists any entries, a provider its own, a client its own; asking for another's is 403. */
  async list(query: WaitlistQuery, caller: Caller): Promise<WaitlistList> {
    let { provider_id: providerId, client_id: clientId } = query;
    if (caller.role === 'provider') {
      if (providerId !== undefined) assertActsForProvider(caller, providerId);
      providerId = caller.providerId;
    }
    if (caller.role === 'client') {
      if (clientId !== undefined) assertActsForClient(caller, clientId);
      clientId = caller.clientId;
    }
    const rows = await this.entries.list({ providerId, clientId, date: query.date });
    return { items: await this.viewsOf(rows) };
  }

  async get(id: number, caller: Caller): Promise<WaitlistEntryView> {
    const [view] = await this.viewsOf([await this.findFor(id, caller)]);
    return view;
  }

  /**
   * Takes the entry off the waitlist: no offer is made to it from then on. An offer still awaiting
   * its link is cancelled (as its client would cancel it), so its slots go to the next entry at once.
   * An entry already booked keeps its appointment and stays `booked` (cancel the appointment itself);
   * leaving twice answers the same.
   */
  async leave(id: number, caller: Caller): Promise<void> {
    const leftAt = this.clock.nowMs();
    // A second turn only when an offer committed between the read and the mark.
    for (let turn = 0; turn < 3; turn++) {
      const entry = await this.findFor(id, caller);
      if (entry.status === 'left') return;
      if (entry.status === 'waiting') {
        if (await this.entries.markLeft(id, 'waiting', leftAt)) return;
        continue;
      }
      const outcome = await this.offerOutcomeOf(entry);
      if (outcome === 'booked') return;
      if (outcome === 'pending') {
        const cancelled = await this.appointments.cancel(entry.appointmentId!, caller, 'Left the waitlist');
        // The link was pressed first: the entry is booked, and stays so.
        if (cancelled.status === 'confirmed') return;
      }
      if (await this.entries.markLeft(id, 'offered', leftAt)) return;
    }
    throw new AppError('UNAVAILABLE', 'The waitlist entry kept changing; try again');
  }

  /** Every waitlist entry of a client, as the API shows it: its data export. */
  async entriesOfClient(clientId: number): Promise<WaitlistEntryView[]> {
    return this.viewsOf(await this.entries.allOfClient(clientId));
  }

  /** An erased client leaves every waitlist: an offer to it could reach nobody (an outstanding one is cancelled). */
  @OnDomainEvent('client.erased')
  async leaveOnErasure(erased: DomainEventMap['client.erased']): Promise<void> {
    const caller: Caller = { role: 'client', clientId: erased.clientId };
    for (const entry of await this.entries.allOfClient(erased.clientId)) {
      if (entry.status !== 'left') await this.leave(entry.id, caller);
    }
  }

  /** The days from the earliest "today" on Earth where someone waits, of one provider or of all. */
  waitingDays(providerId?: number): Promise<WaitingDay[]> {
    // A day before UTC's yesterday is past in every zone.
    return this.entries.waitingDays(shiftDate(localDate(this.clock.nowMs(), 'UTC'), -1), providerId);
  }

  /**
   * Offers what is open on a provider's day to the entries waiting for it, longest-waiting first:
   * each offer holds the earliest run that fits the entry's window, through the request path (the
   * same rules, atomic claim, caps and validation email). An entry the caps refuse is passed over
   * this time and stays waiting; a lost race reads again. Answers how many offers were made.
   */
  async offerFor(providerId: number, date: string): Promise<number> {
    const passedOver = new Set<number>();
    let offers = 0;
    for (let tries = 0; tries < MAX_TRIES_PER_DAY; tries++) {
      const waiting = (await this.entries.waitingOn(providerId, date)).filter((entry) => !passedOver.has(entry.id));
      if (waiting.length === 0) return offers;
      const { slots, open } = await this.openSlots.openNow(providerId, date);
      const choice = chooseOffer(waiting, slots, open);
      if (!choice) return offers;
      const outcome = await this.tryOffer(choice.entry, choice.startIndex);
      if (outcome === 'stop') return offers;
      if (outcome === 'offered') offers++;
      if (outcome === 'passed-over') passedOver.add(choice.entry.id);
    }
    return offers;
  }

  private async tryOffer(entry: WaitlistEntryEntity, startIndex: number): Promise<TryOutcome> {
    const offeredAt = this.clock.nowMs();
    let offered: AppointmentFacts & { expiresAt: number };
    try {
      offered = await this.appointments.offer({
        providerId: entry.providerId,
        clientId: entry.clientId,
        date: entry.date,
        startIndex,
        slotCount: entry.durationMinutes / SLOT_MINUTES,
        also: (tx, appointment) => this.recordOffer(tx, entry, appointment.id, offeredAt),
      });
    } catch (error) {
      return this.afterRefusal(entry, error);
    }
    const view = toWaitlistView({ ...entry, status: 'offered', appointmentId: offered.appointmentId, offeredAt }, 'pending');
    await this.events.emit('waitlist.offered', { ...offered, offeredAt, entry: view });
    return 'offered';
  }

  /**
   * What the offer writes in its pending appointment's transaction, the one place for it: the entry
   * moves from waiting to offered (compare-and-set: an entry offered elsewhere or left undoes this
   * offer). A webhook of `waitlist.offered` is recorded here too, so it commits with the offer.
   */
  private async recordOffer(tx: Transaction, entry: WaitlistEntryEntity, appointmentId: number, offeredAt: number): Promise<void> {
    if (!(await this.entries.markOffered(tx, entry.id, appointmentId, offeredAt))) throw new EntryNoLongerWaiting(entry.id);
    const view = toWaitlistView({ ...entry, status: 'offered', appointmentId, offeredAt }, 'pending');
    await this.webhooks.record(tx, 'waitlist.offered', { providerId: entry.providerId, appointmentId }, view);
  }

  private afterRefusal(entry: WaitlistEntryEntity, error: unknown): TryOutcome {
    if (error instanceof EntryNoLongerWaiting) return 'read-again';
    if (!(error instanceof AppError)) throw error;
    switch (error.code) {
      // Taken (or ruled out by time moving on) since the day was read: read it again.
      case 'SLOT_UNAVAILABLE':
      case 'TOO_SOON':
      case 'TOO_FAR_AHEAD':
        return 'read-again';
      // The rules refuse this client for now (a cap), or it is gone: the next entry gets its chance.
      case 'LIMIT_REACHED':
      case 'CLIENT_NOT_FOUND':
        this.logger.log(`Waitlist entry ${entry.id} passed over: ${error.detail}`);
        return 'passed-over';
      case 'PROVIDER_NOT_FOUND':
        return 'stop';
      default:
        throw error;
    }
  }

  private async findFor(id: number, caller: Caller): Promise<WaitlistEntryEntity> {
    const entry = await this.entries.findById(id);
    if (!entry || (!actsForProvider(caller, entry.providerId) && !actsForClient(caller, entry.clientId))) {
      throw new AppError('NOT_FOUND', `Waitlist entry ${id} does not exist`);
    }
    return entry;
  }

  private async offerOutcomeOf(entry: WaitlistEntryEntity): Promise<OfferOutcome | undefined> {
    if (entry.appointmentId === null) return undefined;
    return (await this.offerOutcomes([entry.appointmentId])).get(entry.appointmentId);
  }

  /** What became of each offer's appointment, asked of the appointments module in one query. */
  private async offerOutcomes(appointmentIds: number[]): Promise<Map<number, OfferOutcome>> {
    const standing = await this.appointments.standingOf(appointmentIds);
    return new Map(
      [...standing].map(([id, { status, everConfirmed }]) => [id, everConfirmed ? 'booked' : status === 'pending' ? 'pending' : 'lapsed']),
    );
  }

  private async viewsOf(entries: WaitlistEntryEntity[]): Promise<WaitlistEntryView[]> {
    const offered = entries.filter((entry) => entry.status === 'offered' && entry.appointmentId !== null);
    const outcomes = await this.offerOutcomes(offered.map((entry) => entry.appointmentId!));
    return entries.map((entry) => toWaitlistView(entry, entry.appointmentId === null ? undefined : outcomes.get(entry.appointmentId)));
  }
}
