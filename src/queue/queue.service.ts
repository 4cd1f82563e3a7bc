import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Observable } from 'rxjs';
import { AppointmentCheckIns } from '../appointments/appointment-check-ins';
import { AppointmentContact, contactOf } from '../appointments/appointment-contact';
import { AppointmentsService } from '../appointments/appointments.service';
import { ClientsService } from '../clients/clients.service';
import { actsForClient, actsForProvider, assertActsForProvider, Caller, forbidden } from '../access/caller';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { queueConfig } from '../config/namespaces';
import { DomainEventMap, DomainEvents, OnDomainEvent, QueueEntryFacts } from '../common/domain-events';
import { NewMessage } from '../delivery/outbox-message';
import { Outbox } from '../delivery/outbox.service';
import { WebhookEvents } from '../webhooks/webhook-events.service';
import { MailService } from '../mail/mail.service';
import { ProviderEntity } from '../providers/entities/provider.entity';
import { ProvidersService } from '../providers/providers.service';
import { localDate } from '../scheduling/slots';
import { CheckInDto, NextView, PriorityDto, QueueEntryView, QueueView } from './dto/queue.dto';
import { ACTIVE_STATUSES, QueueEntryEntity } from './entities/queue-entry.entity';
import { ServerSentEvent } from './event-stream';
import { WALK_IN_MINUTES } from './expected-wait';
import { QueueChange, QueueEvents } from './queue-events';
import { entryView, queueView } from './queue-view';
import { noticeText, positionNotices, QueueNotice, turnNotice } from './queue-notices';
import { ChangeHook, NewQueueEntry, NotifiedPosition, QueueRepository, QueueState, RemoteContact } from './queue.repository';
import { Transaction } from '../database/database.service';

const MINUTE_MS = 60_000;
/** Tries of a change whose notices found the queue moved under them (see changeWithNotices). */
const CHANGE_ATTEMPTS = 3;
/**
 * Whose contacts are read before a change: those waiting up to this far behind the furthest notice
 * position (a change moves most entries by one place); anyone else due a notice makes the change
 * start again, having read them too.
 */
const CONTACT_MARGIN = 2;
/** Whom a queue notice reaches: a client (a guest booking's own phone) or someone who joined remotely. */
type NoticeRecipient = Pick<AppointmentContact, 'name' | 'phone'> & { email: string | null };

/**
 * A notice is due to a client whose record was not read before the transaction: the queue moved
 * meanwhile, or the change moved an entry further than most changes do (the priority streak can take
 * a regular entry from 4th to 1st). The change is made again having read those entries too.
 */
class RecipientsMoved extends Error {
  constructor(readonly entryIds: number[]) {
    super('The queue changed while its notices were being written');
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

function entryClosed(entry: QueueEntryEntity): AppError {
  return new AppError('ENTRY_CLOSED', `Queue entry ${entry.id} is ${entry.status}: it is no longer in the queue`);
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
    private readonly webhooks: WebhookEvents,
    @Inject(queueConfig.KEY) private readonly config: ConfigType<typeof queueConfig>,
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

  /** An erased client leaves every queue it waits in: its place would show a person who no longer exists. */
  @OnDomainEvent('client.erased')
  async leaveOnErasure(erased: DomainEventMap['client.erased']): Promise<void> {
    for (const entry of await this.queue.entriesOfClient(erased.clientId)) {
      if (!ACTIVE_STATUSES.includes(entry.status)) continue;
      await this.leave(entry.id, 'left').catch((error: unknown) => {
        // Called or finished meanwhile: nothing left to end.
        if (!(error instanceof AppError && error.code === 'ENTRY_CLOSED')) throw error;
      });
    }
  }

  /** Every queue entry of a client, and those joined remotely with its addresses or phones, as stored: its data export. */
  async entriesOfPerson(clientId: number, contact: RemoteContact): Promise<QueueEntryEntity[]> {
    const [own, remote] = await Promise.all([this.queue.entriesOfClient(clientId), this.queue.remoteEntriesOf(contact)]);
    return [...own, ...remote].sort((a, b) => a.id - b.id);
  }

  /** Within a person's erasure: entries joined remotely with its addresses or phones forget who it was. */
  eraseRemoteContactIn(tx: Transaction, contact: RemoteContact, erasedName: string): Promise<number> {
    return this.queue.eraseRemoteContactIn(tx, contact, erasedName);
  }

  /** A confirmed appointment of today, or a walk-in. Checking in twice answers the same entry. */
  async checkIn(dto: CheckInDto, caller: Caller): Promise<QueueEntryView> {
    const { entry, provider } =
      dto.appointment_id !== undefined ? await this.appointmentEntry(dto, caller) : await this.walkInEntry(dto, caller);
    // Whoever it puts behind may reach a position they are told about.
    const outcome = await this.changeWithNotices(provider, entry.date, [], (hook) => this.queue.checkIn(entry, hook));
    if (!outcome.created) return this.entry(existingEntry(outcome.entry, entry.date).id, caller);
    return this.checkedIn(entry, outcome.entry, outcome.state);
  }

  /**
   * Someone who joined remotely, once their link's button is pressed (see QueueJoinService): the same
   * check-in, at most `remoteCap` remote entries waiting (409 QUEUE_FULL). Pressing again answers the same entry.
   */
  async checkInRemote(entry: NewQueueEntry, remoteCap: number): Promise<QueueEntryView> {
    const provider = await this.providers.get(entry.providerId);
    const outcome = await this.changeWithNotices(provider, entry.date, [], (hook) => this.queue.checkIn(entry, hook, remoteCap));
    if (!outcome.created) return (await this.entryAtRevision(existingEntry(outcome.entry, entry.date).id)).view;
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
    const outcome = await this.changeWithNotices(provider, date, [], (hook) =>
      this.queue.callNext(provider.id, date, this.clock.nowMs(), hook),
    );
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

  /**
   * Priority on or off for an entry still in the queue (the provider or the administrator): it moves
   * in the order, and whoever that moves to a notice position is told.
   */
  async setPriority(entryId: number, dto: PriorityDto, caller: Caller): Promise<QueueEntryView> {
    const entry = await this.findEntryFor(entryId, caller);
    assertActsForProvider(caller, entry.providerId);
    if (!ACTIVE_STATUSES.includes(entry.status)) throw entryClosed(entry);
    const provider = await this.providers.get(entry.providerId);
    const outcome = await this.changeWithNotices(provider, entry.date, [entry.id], (hook) =>
      this.queue.setPriority(entry, dto.priority, hook),
    );
    if (outcome.changed) {
      const view = await this.announce(entry.providerId, entry.date, outcome.state, []);
      return view.entries.find((e) => e.entry_id === entryId) ?? entryView(outcome.entry);
    }
    if (!ACTIVE_STATUSES.includes(outcome.entry.status)) throw entryClosed(outcome.entry);
    return (await this.entryAtRevision(entryId)).view;
  }

  /**
   * Events `event` with `project(queue)`, for one provider's queue of a day: on connect, then after every
   * change that changes what it shows (the display board follows the queue this way).
   */
  followDay<T>(providerId: number, date: string, event: string, project: (queue: QueueView) => T): Observable<ServerSentEvent> {
    let last = '';
    const changed = (view: T) => {
      const key = JSON.stringify(view);
      if (key === last) return false;
      last = key;
      return true;
    };
    return this.follow(
      providerId,
      date,
      async () => {
        const queue = queueView(providerId, date, await this.queue.state(providerId, date), this.clock.nowMs());
        return { revision: queue.revision, view: project(queue) };
      },
      (change) => project(change.queue),
      event,
      changed,
    );
  }

  /** The provider's today, in its time zone. */
  today(provider: ProviderEntity): string {
    return localDate(this.clock.nowMs(), provider.timeZone);
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
      const provider = await this.providers.get(entry.providerId);
      const outcome = await this.changeWithNotices(provider, entry.date, [], (hook) =>
        this.queue.leave(entry, status, this.clock.nowMs(), hook),
      );
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
    throw entryClosed(entry);
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
   * Runs one change of a queue and writes, in its transaction, the notices it causes, from the queue as
   * it leaves it: "it's your turn" to an entry it called, and a position notice to each entry it moved
   * to a position of QUEUE_NOTIFY_AHEAD not told before (recorded with the change, so each is told
   * once). Whom they go to is read before the transaction (the clients near the front, and `subjects`,
   * in one query), so that the transaction, which holds the queue's lock, reads nothing more. Should the
   * queue have moved meanwhile so that a notice is due to someone not read, the change is undone and
   * made again.
   */
  private async changeWithNotices<T>(
    provider: ProviderEntity,
    date: string,
    subjects: number[],
    change: (hook: ChangeHook) => Promise<T>,
  ): Promise<T> {
    const reach = Math.max(...this.config.notifyAhead) + CONTACT_MARGIN;
    // Grows with the entries a notice was due to but whose contacts were not read (see RecipientsMoved).
    const also = new Set(subjects);
    for (let attempt = 1; ; attempt++) {
      const before = await this.queue.state(provider.id, date);
      const near = before.active.filter((entry, i) => i <= reach || also.has(entry.id));
      const [clients, guests] = await Promise.all([
        this.clients.getMany(near.flatMap((entry) => (entry.clientId === null ? [] : [entry.clientId]))),
        // A guest's booking is texted at the phone typed with it, as its reminders are.
        this.appointments.guestDetailsOf(near.flatMap((entry) => (entry.appointmentId === null ? [] : [entry.appointmentId]))),
      ]);
      try {
        return await change(async (tx, facts) => {
          const view = queueView(provider.id, date, facts.after, this.clock.nowMs());
          const called = calledBy(view, facts.before);
          const notices = this.noticesOf(view, called, facts.before, facts.after);
          // Read again inside the change, sharing the row lock a client's erasure takes: one erased since the
          // contacts were read is told nothing (its erasure, committed first, could not have seen this message).
          const told = notices.flatMap((notice) => (notice.clientId === null ? [] : [notice.clientId]));
          const erased = told.length > 0 ? await this.clients.erasedAmongIn(tx, told) : new Set<number>();
          const unread: number[] = [];
          const messages = notices.flatMap((notice) => {
            // Someone who joined remotely is reached at what they typed, read with the change.
            const remote = facts.after.active.find((entry) => entry.id === notice.entryId)?.remote;
            // Erased since it joined (see PrivacyService): nobody to tell.
            if (remote) return remote.phone || remote.email ? [this.noticeMessage(notice, remote, provider, date)] : [];
            if (notice.clientId !== null && erased.has(notice.clientId)) return [];
            const client = notice.clientId === null ? undefined : clients.get(notice.clientId);
            if (!client) {
              unread.push(notice.entryId);
              return [];
            }
            const guest = notice.appointmentId === null ? undefined : guests.get(notice.appointmentId);
            return [this.noticeMessage(notice, guest ? contactOf(guest, client) : client, provider, date)];
          });
          if (unread.length > 0) throw new RecipientsMoved(unread);
          const calls = called
            ? await this.webhooks.messagesFor(tx, 'queue.called', { providerId: provider.id, appointmentId: called.appointment_id }, called)
            : [];
          if (messages.length + calls.length > 0) await this.outbox.add(tx, ...messages, ...calls);
          return notices.flatMap((notice): NotifiedPosition[] =>
            notice.kind === 'position' ? [{ entryId: notice.entryId, position: notice.position }] : [],
          );
        });
      } catch (error) {
        if (!(error instanceof RecipientsMoved)) throw error;
        for (const entryId of error.entryIds) also.add(entryId);
        if (attempt >= CHANGE_ATTEMPTS) throw new AppError('UNAVAILABLE', `The queue of provider ${provider.id} kept changing; try again`);
      }
    }
  }

  /** The notices of a change (`view` is the queue after it): the one it called first, then those it moved, front to back. */
  private noticesOf(view: QueueView, called: QueueEntryView | null, before: Pick<QueueState, 'active'>, after: QueueState): QueueNotice[] {
    const waitingBefore = before.active.filter((entry) => entry.status === 'waiting').map((entry) => entry.id);
    const notified = new Map(after.active.map((entry) => [entry.id, entry.notifiedPositions]));
    const waiting = view.entries.filter((entry) => entry.status === 'waiting');
    return [
      ...(called ? [turnNotice(called)] : []),
      ...positionNotices(waitingBefore, waiting, this.config.notifyAhead, (id) => notified.get(id) ?? []),
    ];
  }

  /** A text when the recipient has a phone, else an email. Every position notice is a `queue_next`. */
  private noticeMessage(notice: QueueNotice, client: NoticeRecipient, provider: ProviderEntity, date: string): NewMessage {
    const about = {
      kind: notice.kind === 'turn' ? ('queue_called' as const) : ('queue_next' as const),
      appointmentId: notice.appointmentId,
      providerId: provider.id,
    };
    if (client.phone) return { ...about, channel: 'sms', payload: { to: client.phone, body: noticeText(notice, provider.name) } };
    if (!client.email) throw new Error(`Queue entry ${notice.entryId} has neither a phone nor an email address`);
    const kind = notice.kind === 'turn' ? 'turn' : notice.position === 1 ? 'next' : 'ahead';
    return {
      ...about,
      channel: 'email',
      payload: this.mail.queueNoticeMail({
        to: client.email,
        clientName: client.name,
        providerName: provider.name,
        date,
        kind,
        waitMinutes: notice.waitMinutes,
        ...(kind === 'ahead' ? { ahead: notice.position - 1 } : {}),
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

  private async appointmentEntry(dto: CheckInDto, caller: Caller): Promise<{ entry: NewQueueEntry; provider: ProviderEntity }> {
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
    const entry: NewQueueEntry = {
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
    return { entry, provider };
  }

  /** A walk-in is checked in by the front desk (the provider's key) or by the client itself. */
  private async walkInEntry(dto: CheckInDto, caller: Caller): Promise<{ entry: NewQueueEntry; provider: ProviderEntity }> {
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
    const entry: NewQueueEntry = {
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
    return { entry, provider };
  }
}

/** The entry a change called: the one now served that was waiting before it (none when the change called nobody). */
function calledBy(view: QueueView, before: Pick<QueueState, 'active'>): QueueEntryView | null {
  const serving = view.now_serving;
  if (!serving) return null;
  return before.active.some((entry) => entry.id === serving.entry_id && entry.status === 'waiting') ? serving : null;
}

/** The entry a check-in found already there; none means every ticket of the day is handed out. */
function existingEntry(entry: QueueEntryEntity | null, date: string): QueueEntryEntity {
  if (entry === null) throw new AppError('CHECK_IN_REFUSED', `Every ticket of ${date} (up to Z-999) is handed out`);
  return entry;
}
