import { Injectable, OnModuleInit } from '@nestjs/common';
import { Observable } from 'rxjs';
import { AppointmentCheckIns } from '../appointments/appointment-check-ins';
import { AppointmentContact, contactOf } from '../appointments/appointment-contact';
import { AppointmentsService } from '../appointments/appointments.service';
import { ClientsService } from '../clients/clients.service';
import { actsForClient, actsForProvider, assertActsForProvider, Caller, forbidden } from '../access/caller';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { DomainEventMap, DomainEvents, OnDomainEvent, QueueEntryFacts } from '../common/domain-events';
import { NewMessage } from '../delivery/outbox-message';
import { Outbox } from '../delivery/outbox.service';
import { MailService } from '../mail/mail.service';
import { ProviderEntity } from '../providers/entities/provider.entity';
import { ProvidersService } from '../providers/providers.service';
import { localDate } from '../scheduling/slots';
import { CheckInDto, NextView, QueueEntryView, QueueView } from './dto/queue.dto';
import { QueueEntryEntity } from './entities/queue-entry.entity';
import { ServerSentEvent } from './event-stream';
import { WALK_IN_MINUTES } from './expected-wait';
import { QueueChange, QueueEvents } from './queue-events';
import { entryView, queueView } from './queue-view';
import { callNotices, noticeText, QueueNotice } from './queue-notices';
import { NewQueueEntry, NextOutcome, QueueRepository, QueueState } from './queue.repository';

const MINUTE_MS = 60_000;

/** Whom a queue notice reaches: a client (a guest booking's own phone) or someone who joined remotely. */
type NoticeRecipient = Pick<AppointmentContact, 'name' | 'phone'> & { email: string | null };
/** Tries of a call whose notices found the queue moved under them (see callNext). */
const CALL_ATTEMPTS = 3;

/** A notice is due to a client whose record was not read before the transaction: the queue moved meanwhile. */
class RecipientsMoved extends Error {
  constructor() {
    super('The queue changed while the next client was being called');
  }
}

function entryFacts(entry: QueueEntryEntity): QueueEntryFacts {
  return {
    entryId: entry.id,
    providerId: entry.providerId,
    clientId: entry.clientId,
    appointmentId: entry.appointmentId,
    date: entry.date,
  };
}

function entryNotFound(entryId: number): AppError {
  return new AppError('NOT_FOUND', `Queue entry ${entryId} does not exist`);
}

/**
 * The live queue: check-ins, calling the next client, no-shows and departures, and the event streams
 * that follow them. Every change commits first, then is announced (one event per change, to every
 * subscriber on every process). The texts and emails a call causes are outbox messages written in the
 * call's own transaction, which the delivery workers send. Methods take plain ids.
 */
@Injectable()
export class QueueService implements OnModuleInit {
  constructor(
    private readonly queue: QueueRepository,
    private readonly appointments: AppointmentsService,
    private readonly providers: ProvidersService,
    private readonly clients: ClientsService,
    private readonly events: QueueEvents,
    private readonly outbox: Outbox,
    private readonly mail: MailService,
    private readonly clock: Clock,
    private readonly domainEvents: DomainEvents,
    private readonly checkIns: AppointmentCheckIns,
  ) {}

  /** An appointment that checked in stays where it is: the appointments module asks us before moving one. */
  onModuleInit(): void {
    this.checkIns.register((appointmentId, tx) => this.queue.hasEntryForAppointment(appointmentId, tx));
  }

  /** A cancelled appointment leaves its queue: nobody calls, or texts, a client who cancelled. */
  @OnDomainEvent('appointment.cancelled')
  async leaveOnCancellation(cancelled: DomainEventMap['appointment.cancelled']): Promise<void> {
    const entry = await this.queue.findActiveByAppointment(cancelled.appointmentId);
    if (entry) await this.leave(entry.id, 'left');
  }

  /** A confirmed appointment of today, or a walk-in. Checking in twice answers the same entry. */
  async checkIn(dto: CheckInDto, caller: Caller): Promise<QueueEntryView> {
    const entry = dto.appointment_id !== undefined ? await this.appointmentEntry(dto, caller) : await this.walkInEntry(dto, caller);
    const outcome = await this.queue.checkIn(entry);
    if (!outcome.created) return this.entry(outcome.entry.id, caller);
    return this.checkedIn(entry, outcome.entry, outcome.state);
  }

  /**
   * Someone who joined remotely, once their link's button is pressed (see QueueJoinService): the same
   * check-in, at most `remoteCap` remote entries waiting (409 QUEUE_FULL). Pressing again answers the same entry.
   */
  async checkInRemote(entry: NewQueueEntry, remoteCap: number): Promise<QueueEntryView> {
    const outcome = await this.queue.checkIn(entry, remoteCap);
    if (!outcome.created) return (await this.entryAtRevision(outcome.entry.id)).view;
    return this.checkedIn(entry, outcome.entry, outcome.state);
  }

  /** The entry a join link made, if its button was pressed: the link is the credential, checked by the caller. */
  async joinedEntry(joinKey: string): Promise<{ entry: QueueEntryEntity; view: QueueEntryView } | null> {
    const entry = await this.queue.findByJoinKey(joinKey);
    return entry && { entry, view: (await this.entryAtRevision(entry.id)).view };
  }

  /** `entry` events of an entry a join link made (the link is the credential, checked by the caller). */
  followJoinedEntry(entry: QueueEntryEntity): Observable<ServerSentEvent> {
    return this.followEntryOf(entry);
  }

  private async checkedIn(entry: NewQueueEntry, saved: QueueEntryEntity, state: QueueState): Promise<QueueEntryView> {
    const outcome = { entry: saved, state };
    const view = await this.announce(entry.providerId, entry.date, outcome.state, []);
    await this.domainEvents.emit('queue.checked_in', { ...entryFacts(outcome.entry), checkedInAt: outcome.entry.checkedInAt });
    return view.entries.find((e) => e.entry_id === outcome.entry.id) ?? entryView(outcome.entry);
  }

  /** The whole queue is the provider's (and the administrator's) to see. */
  async view(providerId: number, date: string | undefined, caller: Caller): Promise<QueueView> {
    assertActsForProvider(caller, providerId);
    const provider = await this.providers.get(providerId);
    const day = date ?? this.today(provider);
    return queueView(providerId, day, await this.queue.state(providerId, day), this.clock.nowMs());
  }

  async entry(entryId: number, caller: Caller): Promise<QueueEntryView> {
    await this.findEntryFor(entryId, caller);
    return (await this.entryAtRevision(entryId)).view;
  }

  /**
   * The one being served is done (its service time recorded), the first waiting is called; the called
   * client is told it is their turn and the one then first in line that they are next.
   */
  async next(providerId: number, caller: Caller): Promise<NextView> {
    assertActsForProvider(caller, providerId);
    const provider = await this.providers.get(providerId);
    const date = this.today(provider);
    const outcome = await this.callNext(provider, date);
    if (!outcome) throw new AppError('QUEUE_EMPTY', `Nobody is in the queue of provider ${providerId} on ${date}`);
    const completed = outcome.completed && entryView(outcome.completed);
    const view = await this.announce(providerId, date, outcome.state, completed ? [completed] : []);
    if (outcome.completed) {
      const { calledAt, finishedAt } = outcome.completed;
      await this.domainEvents.emit('queue.done', { ...entryFacts(outcome.completed), calledAt: calledAt!, finishedAt: finishedAt! });
    }
    if (outcome.called) await this.domainEvents.emit('queue.called', { ...entryFacts(outcome.called), calledAt: outcome.called.calledAt! });
    return { completed, now_serving: view.now_serving };
  }

  /** The provider (or the administrator) says the client did not come; the client cannot say it of itself. */
  async noShow(entryId: number, caller: Caller): Promise<QueueEntryView> {
    const entry = await this.findEntryFor(entryId, caller);
    assertActsForProvider(caller, entry.providerId);
    return this.leave(entryId, 'no_show');
  }

  async leaveQueue(entryId: number, caller: Caller): Promise<QueueEntryView> {
    await this.findEntryFor(entryId, caller);
    return this.leave(entryId, 'left');
  }

  /** `queue` events: the whole queue on connect, then after every change. */
  async followQueue(providerId: number, date: string | undefined, caller: Caller): Promise<Observable<ServerSentEvent>> {
    assertActsForProvider(caller, providerId);
    const provider = await this.providers.get(providerId);
    const day = date ?? this.today(provider);
    return this.follow(
      providerId,
      day,
      async () => {
        const view = queueView(providerId, day, await this.queue.state(providerId, day), this.clock.nowMs());
        return { revision: view.revision, view };
      },
      (change) => change.queue,
      'queue',
      () => true,
    );
  }

  /** `entry` events: the entry on connect, then whenever its position, status or expected wait changes. */
  async followEntry(entryId: number, caller: Caller): Promise<Observable<ServerSentEvent>> {
    return this.followEntryOf(await this.findEntryFor(entryId, caller));
  }

  private followEntryOf(entry: QueueEntryEntity): Observable<ServerSentEvent> {
    const entryId = entry.id;
    let last = '';
    const changed = (view: QueueEntryView) => {
      const key = JSON.stringify([view.position, view.status, view.expected_wait_minutes]);
      if (key === last) return false;
      last = key;
      return true;
    };
    return this.follow(
      entry.providerId,
      entry.date,
      () => this.entryAtRevision(entryId),
      (change) => change.queue.entries.find((e) => e.entry_id === entryId) ?? change.departed.find((e) => e.entry_id === entryId),
      'entry',
      changed,
    );
  }

  private async leave(entryId: number, status: 'no_show' | 'left'): Promise<QueueEntryView> {
    const entry = await this.findEntry(entryId);
    if (entry.status === 'waiting' || entry.status === 'called') {
      const outcome = await this.queue.leave(entry, status, this.clock.nowMs());
      if (outcome.changed) {
        const left = entryView(outcome.entry);
        await this.announce(entry.providerId, entry.date, outcome.state, [left]);
        await this.domainEvents.emit(status === 'no_show' ? 'queue.no_show' : 'queue.left', {
          ...entryFacts(outcome.entry),
          finishedAt: outcome.entry.finishedAt!,
        });
        return left;
      }
      entry.status = outcome.entry.status;
    }
    throw new AppError('ENTRY_CLOSED', `Queue entry ${entryId} is ${entry.status}: it is no longer in the queue`);
  }

  /**
   * Subscribes first and reads the current state second, holding back changes that arrive meanwhile:
   * nothing is missed, and a change not newer than what was sent is dropped, so a subscriber only
   * ever moves forward.
   */
  private follow<T>(
    providerId: number,
    date: string,
    current: () => Promise<{ revision: number; view: T }>,
    pick: (change: QueueChange) => T | undefined,
    event: string,
    worthSending: (view: T) => boolean,
  ): Observable<ServerSentEvent> {
    return new Observable<ServerSentEvent>((subscriber) => {
      let sent = -1;
      let held: QueueChange[] | null = [];
      const emit = (revision: number, view: T | undefined) => {
        if (revision <= sent || view === undefined) return;
        sent = revision;
        if (worthSending(view)) subscriber.next({ event, id: revision, data: view });
      };
      const stop = this.events.subscribe(providerId, date, (change) => (held ? held.push(change) : emit(change.revision, pick(change))));
      current().then(
        (state) => {
          emit(state.revision, state.view);
          for (const change of held ?? []) emit(change.revision, pick(change));
          held = null;
        },
        (error: unknown) => subscriber.error(error),
      );
      return stop;
    });
  }

  /**
   * Calls the next client and writes the notices of the call in its transaction, from the queue as the
   * call leaves it. Whom they go to is read before the transaction (the clients of everyone in the queue,
   * in one query), so that the transaction, which holds the queue's lock, reads nothing more. Should the
   * queue have moved meanwhile so that a notice is due to someone not read (a check-in ahead of the
   * others), the call is undone and made again.
   */
  private async callNext(provider: ProviderEntity, date: string): Promise<NextOutcome | null> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.queue.state(provider.id, date);
      const [clients, guests] = await Promise.all([
        this.clients.getMany(before.active.flatMap((entry) => (entry.clientId === null ? [] : [entry.clientId]))),
        // A guest's booking is texted at the phone typed with it, as its reminders are.
        this.appointments.guestDetailsOf(before.active.flatMap((entry) => (entry.appointmentId === null ? [] : [entry.appointmentId]))),
      ]);
      const now = this.clock.nowMs();
      try {
        return await this.queue.callNext(provider.id, date, now, async (tx, outcome) => {
          const notices = callNotices(queueView(provider.id, date, outcome.state, now));
          const messages = notices.map((notice) => {
            // Someone who joined remotely is reached at what they typed, read with the call.
            const remote = outcome.state.active.find((entry) => entry.id === notice.entryId)?.remote;
            if (remote) return this.noticeMessage(notice, remote, provider, date);
            const client = notice.clientId === null ? undefined : clients.get(notice.clientId);
            if (!client) throw new RecipientsMoved();
            const guest = notice.appointmentId === null ? undefined : guests.get(notice.appointmentId);
            return this.noticeMessage(notice, guest ? contactOf(guest, client) : client, provider, date);
          });
          await this.outbox.add(tx, ...messages);
        });
      } catch (error) {
        if (!(error instanceof RecipientsMoved)) throw error;
        if (attempt >= CALL_ATTEMPTS) throw new AppError('UNAVAILABLE', `The queue of provider ${provider.id} kept changing; try again`);
      }
    }
  }

  /** A text when the client has a phone, else an email. */
  private noticeMessage(notice: QueueNotice, client: NoticeRecipient, provider: ProviderEntity, date: string): NewMessage {
    const about = {
      kind: notice.kind === 'turn' ? ('queue_called' as const) : ('queue_next' as const),
      appointmentId: notice.appointmentId,
      providerId: provider.id,
    };
    if (client.phone) return { ...about, channel: 'sms', payload: { to: client.phone, body: noticeText(notice, provider.name) } };
    if (!client.email) throw new Error(`Queue entry ${notice.entryId} has neither a phone nor an email address`);
    return {
      ...about,
      channel: 'email',
      payload: this.mail.queueNoticeMail({
        to: client.email,
        clientName: client.name,
        providerName: provider.name,
        date,
        kind: notice.kind,
        waitMinutes: notice.waitMinutes,
      }),
    };
  }

  /** Publishes the queue as of a committed change; answers the view it published. */
  private async announce(providerId: number, date: string, state: QueueState, departed: QueueEntryView[]): Promise<QueueView> {
    const queue = queueView(providerId, date, state, this.clock.nowMs());
    await this.events.publish({ providerId, date, revision: state.revision, queue, departed });
    return queue;
  }

  private async entryAtRevision(entryId: number): Promise<{ revision: number; view: QueueEntryView }> {
    const entry = await this.findEntry(entryId);
    const state = await this.queue.state(entry.providerId, entry.date);
    const view = queueView(entry.providerId, entry.date, state, this.clock.nowMs());
    const inQueue = view.entries.find((e) => e.entry_id === entryId);
    if (inQueue) return { revision: view.revision, view: inQueue };
    // Out of the queue (or it left between the two reads): as stored now.
    return { revision: view.revision, view: entryView((await this.queue.findEntry(entryId)) ?? entry) };
  }

  private async findEntry(entryId: number): Promise<QueueEntryEntity> {
    const entry = await this.queue.findEntry(entryId);
    if (!entry) throw entryNotFound(entryId);
    return entry;
  }

  /** An entry is its provider's and its client's (and the administrator's); to anyone else it does not exist. */
  private async findEntryFor(entryId: number, caller: Caller): Promise<QueueEntryEntity> {
    const entry = await this.findEntry(entryId);
    const ownClient = entry.clientId !== null && actsForClient(caller, entry.clientId);
    if (!actsForProvider(caller, entry.providerId) && !ownClient) throw entryNotFound(entryId);
    return entry;
  }

  private async appointmentEntry(dto: CheckInDto, caller: Caller): Promise<NewQueueEntry> {
    const appointment = await this.appointments.findFor(dto.appointment_id!, caller);
    const refuse = (why: string) => new AppError('CHECK_IN_REFUSED', `Appointment ${appointment.id} cannot check in: ${why}`);
    if (dto.provider_id !== undefined && dto.provider_id !== appointment.providerId) {
      throw refuse(`it is not with provider ${dto.provider_id}`);
    }
    if (dto.client_id !== undefined && dto.client_id !== appointment.clientId) throw refuse(`it is not client ${dto.client_id}'s`);
    if (appointment.status !== 'confirmed') throw refuse(`it is ${appointment.status}, not confirmed`);
    const provider = await this.providers.get(appointment.providerId);
    const today = this.today(provider);
    if (appointment.date !== today) throw refuse(`it is on ${appointment.date}, and today is ${today} (${provider.timeZone})`);
    const now = this.clock.nowMs();
    return {
      providerId: appointment.providerId,
      clientId: appointment.clientId,
      appointmentId: appointment.id,
      date: today,
      status: 'waiting',
      queueAt: appointment.startAt,
      appointmentStartAt: appointment.startAt,
      bookedMinutes: Math.round((appointment.endAt - appointment.startAt) / MINUTE_MS),
      checkedInAt: now,
      calledAt: null,
      finishedAt: null,
      remote: null,
    };
  }

  /** A walk-in is checked in by the front desk (the provider's key) or by the client itself. */
  private async walkInEntry(dto: CheckInDto, caller: Caller): Promise<NewQueueEntry> {
    if (!actsForProvider(caller, dto.provider_id!) && !actsForClient(caller, dto.client_id!)) throw forbidden();
    const [providerLookup, clientLookup] = await Promise.allSettled([
      this.providers.get(dto.provider_id!),
      this.clients.get(dto.client_id!),
    ]);
    // Both asked at once; an unknown provider is reported before an unknown client.
    if (providerLookup.status === 'rejected') throw providerLookup.reason;
    if (clientLookup.status === 'rejected') throw clientLookup.reason;
    const [provider, client] = [providerLookup.value, clientLookup.value];
    const now = this.clock.nowMs();
    return {
      providerId: provider.id,
      clientId: client.id,
      appointmentId: null,
      date: this.today(provider),
      status: 'waiting',
      queueAt: now,
      appointmentStartAt: null,
      bookedMinutes: WALK_IN_MINUTES,
      checkedInAt: now,
      calledAt: null,
      finishedAt: null,
      remote: null,
    };
  }

  private today(provider: ProviderEntity): string {
    return localDate(this.clock.nowMs(), provider.timeZone);
  }
}
