import { AppError } from '../../../src/common/app-error';
import { Transaction } from '../../../src/database/database.service';
import { ACTIVE_STATUSES, QueueEntryEntity } from '../../../src/queue/entities/queue-entry.entity';
import { MeasuredService, PACE_SAMPLES } from '../../../src/queue/expected-wait';
import { nextStreak, queueOrder } from '../../../src/queue/queue-order';
import { MAX_TICKETS_PER_DAY } from '../../../src/queue/queue-tickets';
import {
  ChangeHook,
  CheckInOutcome,
  LeaveOutcome,
  NewQueueEntry,
  NextOutcome,
  PriorityOutcome,
  QueueRepository,
  QueueState,
  RemoteContact,
  WaitingCount,
} from '../../../src/queue/queue.repository';
import { copy, PublicSurface } from './public-surface';
import { FAKE_TRANSACTION } from './recording-outbox';

const isActive = (entry: QueueEntryEntity) => ACTIVE_STATUSES.includes(entry.status);

interface Day {
  revision: number;
  ticketsIssued: number;
  priorityStreak: number;
}

/** Undoes a change: `also` failed, or the change changed nothing. */
class Undo<T> {
  constructor(readonly value: T) {}
}

/**
 * The `queue_days` and `queue_entries` tables in memory, keeping the promises of the real repository:
 * each change bumps its day's revision, hands `also` the queue before and after it (and undoes it all
 * when `also` throws), records the positions `also` told, and answers the queue as of that revision; a
 * change that changes nothing (a second check-in, an entry already out, nobody to call) bumps nothing.
 */
export class InMemoryQueueRepository implements PublicSurface<QueueRepository> {
  private readonly days = new Map<string, Day>();
  private readonly entries = new Map<number, QueueEntryEntity>();
  private lastId = 0;

  constructor(private readonly streakLimit = 2) {}

  async findActiveByAppointment(appointmentId: number): Promise<QueueEntryEntity | null> {
    const entry = [...this.entries.values()].find((e) => e.appointmentId === appointmentId && isActive(e));
    return entry ? copy(entry) : null;
  }

  async hasEntryForAppointment(appointmentId: number): Promise<boolean> {
    return [...this.entries.values()].some((e) => e.appointmentId === appointmentId);
  }

  async waitingCounts(fromDate: string): Promise<WaitingCount[]> {
    const counts = new Map<string, WaitingCount>();
    for (const entry of this.entries.values()) {
      if (entry.status !== 'waiting' || entry.date < fromDate) continue;
      const key = dayKey(entry.providerId, entry.date);
      const count = counts.get(key) ?? { providerId: entry.providerId, date: entry.date, waiting: 0 };
      counts.set(key, { ...count, waiting: count.waiting + 1 });
    }
    return [...counts.values()];
  }

  async entriesOfClient(clientId: number): Promise<QueueEntryEntity[]> {
    return [...this.entries.values()]
      .filter((entry) => entry.clientId === clientId)
      .sort((a, b) => a.id - b.id)
      .map(copy);
  }

  async findEntry(id: number): Promise<QueueEntryEntity | null> {
    const entry = this.entries.get(id);
    return entry ? copy(entry) : null;
  }

  async state(providerId: number, date: string): Promise<QueueState> {
    return this.read(providerId, date);
  }

  async remoteEntriesOf(contact: RemoteContact): Promise<QueueEntryEntity[]> {
    return [...this.entries.values()].filter((e) => this.joinedAs(e, contact)).map(copy);
  }

  async eraseRemoteContactIn(_tx: Transaction, contact: RemoteContact, erasedName: string): Promise<number> {
    const matching = [...this.entries.values()].filter((e) => this.joinedAs(e, contact));
    for (const entry of matching) entry.remote = { ...entry.remote!, name: erasedName, phone: null, email: null };
    return matching.length;
  }

  private joinedAs(entry: QueueEntryEntity, contact: RemoteContact): boolean {
    const remote = entry.remote;
    return (
      remote !== null &&
      ((remote.email !== null && contact.emails.includes(remote.email)) || (remote.phone !== null && contact.phones.includes(remote.phone)))
    );
  }

  async findByJoinKey(joinKey: string): Promise<QueueEntryEntity | null> {
    const entry = [...this.entries.values()].find((e) => e.remote?.joinKey === joinKey);
    return entry ? copy(entry) : null;
  }

  async whileRemoteRoom(providerId: number, date: string, cap: number, also: (tx: Transaction) => Promise<void>): Promise<void> {
    if (this.remoteWaiting(providerId, date) >= cap) throw queueFull(cap);
    await also(FAKE_TRANSACTION);
  }

  checkIn(entry: NewQueueEntry, also: ChangeHook, remoteCap?: number): Promise<CheckInOutcome> {
    return this.change(entry.providerId, entry.date, also, (day): CheckInOutcome | Undo<CheckInOutcome> => {
      const existing = this.existing(entry);
      if (existing) return new Undo({ created: false, entry: copy(existing) });
      if (entry.remote && remoteCap !== undefined && this.remoteWaiting(entry.providerId, entry.date) >= remoteCap)
        throw queueFull(remoteCap);
      day.ticketsIssued += 1;
      if (day.ticketsIssued > MAX_TICKETS_PER_DAY) return new Undo({ created: false, entry: null });
      const saved: QueueEntryEntity = {
        ...copy(entry),
        id: ++this.lastId,
        ticketNumber: day.ticketsIssued,
        priority: false,
        notifiedPositions: [],
      };
      this.entries.set(saved.id, saved);
      return { created: true, entry: copy(saved), state: undefined as never };
    });
  }

  callNext(providerId: number, date: string, now: number, also: ChangeHook): Promise<NextOutcome | null> {
    return this.change(providerId, date, also, (day): NextOutcome | Undo<null> => {
      const active = this.active(providerId, date);
      if (active.length === 0) return new Undo(null);
      let completed: QueueEntryEntity | null = null;
      for (const serving of active.filter((entry) => entry.status === 'called')) {
        Object.assign(serving, { status: 'done', finishedAt: now });
        completed ??= copy(serving);
      }
      const waiting = active.filter((entry) => entry.status === 'waiting');
      const first = waiting[0];
      if (first) {
        Object.assign(first, { status: 'called', calledAt: now });
        day.priorityStreak = nextStreak(
          day.priorityStreak,
          first,
          waiting.some((entry) => !entry.priority),
        );
      }
      return { completed, called: first ? copy(first) : null, state: undefined as never };
    });
  }

  leave(entry: QueueEntryEntity, status: 'no_show' | 'left', now: number, also: ChangeHook): Promise<LeaveOutcome> {
    return this.change(entry.providerId, entry.date, also, (): LeaveOutcome | Undo<LeaveOutcome> => {
      const stored = this.entries.get(entry.id)!;
      if (!isActive(stored)) return new Undo({ changed: false, entry: copy(stored) });
      Object.assign(stored, { status, finishedAt: now });
      return { changed: true, entry: copy(stored), state: undefined as never };
    });
  }

  setPriority(entry: QueueEntryEntity, priority: boolean, also: ChangeHook): Promise<PriorityOutcome> {
    return this.change(entry.providerId, entry.date, also, (): PriorityOutcome | Undo<PriorityOutcome> => {
      const stored = this.entries.get(entry.id)!;
      if (!isActive(stored) || stored.priority === priority) return new Undo({ changed: false, entry: copy(stored) });
      stored.priority = priority;
      return { changed: true, entry: copy(stored), state: undefined as never };
    });
  }

  /** As in one transaction: `work` changes the stored rows, then `also` runs; if either undoes, everything is put back. */
  private async change<O extends object | null>(
    providerId: number,
    date: string,
    also: ChangeHook,
    work: (day: Day) => O | Undo<unknown>,
  ): Promise<O> {
    const key = dayKey(providerId, date);
    const saved = {
      day: this.days.get(key),
      entries: new Map([...this.entries].map(([id, entry]) => [id, copy(entry)])),
      lastId: this.lastId,
    };
    const undo = () => {
      this.entries.clear();
      for (const [id, entry] of saved.entries) this.entries.set(id, entry);
      this.lastId = saved.lastId;
      if (saved.day === undefined) this.days.delete(key);
      else this.days.set(key, saved.day);
    };
    const before = this.read(providerId, date);
    const day = { ...(saved.day ?? { revision: 0, ticketsIssued: 0, priorityStreak: 0 }) };
    day.revision += 1;
    this.days.set(key, day);
    const outcome = work(day);
    if (outcome instanceof Undo) {
      undo();
      return outcome.value as O;
    }
    const after = this.read(providerId, date);
    try {
      const told = await also(FAKE_TRANSACTION, structuredClone({ before, after }));
      for (const { entryId, position } of told) {
        const entry = this.entries.get(entryId)!;
        if (!entry.notifiedPositions.includes(position)) entry.notifiedPositions.push(position);
      }
    } catch (error) {
      undo();
      throw error;
    }
    return outcome === null ? outcome : { ...outcome, state: this.read(providerId, date) };
  }

  /** The stored (not copied) active entries of a day: the one being served first, then the waiting in queue order. */
  private active(providerId: number, date: string): QueueEntryEntity[] {
    const inQueue = [...this.entries.values()].filter((entry) => entry.providerId === providerId && entry.date === date && isActive(entry));
    const streak = this.days.get(dayKey(providerId, date))?.priorityStreak ?? 0;
    return [
      ...inQueue.filter((entry) => entry.status === 'called'),
      ...queueOrder(
        inQueue.filter((entry) => entry.status === 'waiting'),
        streak,
        this.streakLimit,
      ),
    ];
  }

  private read(providerId: number, date: string): QueueState {
    const day = this.days.get(dayKey(providerId, date));
    return {
      revision: day?.revision ?? 0,
      active: this.active(providerId, date).map(copy),
      services: this.services(providerId),
      priorityStreak: day?.priorityStreak ?? 0,
    };
  }

  private services(providerId: number): MeasuredService[] {
    return [...this.entries.values()]
      .filter((entry) => entry.providerId === providerId && entry.status === 'done' && entry.calledAt !== null && entry.finishedAt !== null)
      .sort((a, b) => b.finishedAt! - a.finishedAt! || b.id - a.id)
      .slice(0, PACE_SAMPLES)
      .reverse()
      .map((entry) => ({
        bookedMinutes: entry.bookedMinutes,
        calledAt: entry.calledAt!,
        finishedAt: entry.finishedAt!,
        readyAt: Math.max(entry.checkedInAt, entry.appointmentStartAt ?? entry.checkedInAt),
      }));
  }

  private remoteWaiting(providerId: number, date: string): number {
    return [...this.entries.values()].filter((e) => e.providerId === providerId && e.date === date && e.status === 'waiting' && e.remote)
      .length;
  }

  private existing(entry: NewQueueEntry): QueueEntryEntity | undefined {
    const all = [...this.entries.values()];
    if (entry.remote) return all.find((e) => e.remote?.joinKey === entry.remote!.joinKey);
    if (entry.appointmentId !== null) {
      const byAppointment = all.find((e) => e.appointmentId === entry.appointmentId);
      if (byAppointment) return byAppointment;
    }
    if (entry.clientId === null) return undefined;
    return all.find((e) => e.providerId === entry.providerId && e.date === entry.date && e.clientId === entry.clientId && isActive(e));
  }
}

function queueFull(cap: number): AppError {
  return new AppError('QUEUE_FULL', `${cap} people who joined remotely already wait in this queue; try again later`);
}

function dayKey(providerId: number, date: string): string {
  return `${providerId}:${date}`;
}
