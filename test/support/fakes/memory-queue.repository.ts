import { Transaction } from '../../../src/database/database.service';
import { ACTIVE_STATUSES, QueueEntryEntity } from '../../../src/queue/entities/queue-entry.entity';
import { MeasuredService, PACE_SAMPLES } from '../../../src/queue/expected-wait';
import {
  CheckInOutcome,
  LeaveOutcome,
  NewQueueEntry,
  NextOutcome,
  QueueRepository,
  QueueState,
  WaitingCount,
} from '../../../src/queue/queue.repository';
import { copy, PublicSurface } from './public-surface';
import { FAKE_TRANSACTION } from './recording-outbox';

const isActive = (entry: QueueEntryEntity) => ACTIVE_STATUSES.includes(entry.status);

/**
 * The `queue_days` and `queue_entries` tables in memory, keeping the promises of the real repository:
 * each change bumps its day's revision and answers the queue as of that revision; a change that
 * changes nothing (a second check-in, an entry already out, nobody to call) bumps nothing.
 */
export class InMemoryQueueRepository implements PublicSurface<QueueRepository> {
  private readonly revisions = new Map<string, number>();
  private readonly entries = new Map<number, QueueEntryEntity>();
  private lastId = 0;

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

  async findEntry(id: number): Promise<QueueEntryEntity | null> {
    const entry = this.entries.get(id);
    return entry ? copy(entry) : null;
  }

  async state(providerId: number, date: string): Promise<QueueState> {
    return this.read(providerId, date, this.revisions.get(dayKey(providerId, date)) ?? 0);
  }

  async checkIn(entry: NewQueueEntry): Promise<CheckInOutcome> {
    const existing = this.existing(entry);
    if (existing) return { created: false, entry: copy(existing) };
    const revision = this.bump(entry.providerId, entry.date);
    const saved = { ...copy(entry), id: ++this.lastId };
    this.entries.set(saved.id, saved);
    return { created: true, entry: copy(saved), state: this.read(entry.providerId, entry.date, revision) };
  }

  /** As in one transaction: when `also` fails, nothing is changed. */
  async callNext(
    providerId: number,
    date: string,
    now: number,
    also: (tx: Transaction, outcome: NextOutcome) => Promise<void>,
  ): Promise<NextOutcome | null> {
    const active = this.active(providerId, date);
    if (active.length === 0) return null;
    const before = { revision: this.revisions.get(dayKey(providerId, date)), entries: active.map(copy) };
    const revision = this.bump(providerId, date);
    let completed: QueueEntryEntity | null = null;
    for (const serving of active.filter((entry) => entry.status === 'called')) {
      Object.assign(serving, { status: 'done', finishedAt: now });
      completed ??= copy(serving);
    }
    const first = active.find((entry) => entry.status === 'waiting');
    if (first) Object.assign(first, { status: 'called', calledAt: now });
    const outcome = { completed, called: first ? copy(first) : null, state: this.read(providerId, date, revision) };
    try {
      await also(FAKE_TRANSACTION, structuredClone(outcome));
    } catch (error) {
      for (const entry of before.entries) this.entries.set(entry.id, entry);
      if (before.revision === undefined) this.revisions.delete(dayKey(providerId, date));
      else this.revisions.set(dayKey(providerId, date), before.revision);
      throw error;
    }
    return outcome;
  }

  async leave(entry: QueueEntryEntity, status: 'no_show' | 'left', now: number): Promise<LeaveOutcome> {
    const stored = this.entries.get(entry.id)!;
    if (!isActive(stored)) return { changed: false, entry: copy(stored) };
    const revision = this.bump(entry.providerId, entry.date);
    Object.assign(stored, { status, finishedAt: now });
    return { changed: true, entry: copy(stored), state: this.read(entry.providerId, entry.date, revision) };
  }

  private bump(providerId: number, date: string): number {
    const revision = (this.revisions.get(dayKey(providerId, date)) ?? 0) + 1;
    this.revisions.set(dayKey(providerId, date), revision);
    return revision;
  }

  /** The stored (not copied) active entries of a day: the one being served first, then the waiting in queue order. */
  private active(providerId: number, date: string): QueueEntryEntity[] {
    const inQueue = [...this.entries.values()]
      .filter((entry) => entry.providerId === providerId && entry.date === date && isActive(entry))
      .sort((a, b) => a.queueAt - b.queueAt || a.checkedInAt - b.checkedInAt || a.id - b.id);
    return [...inQueue.filter((entry) => entry.status === 'called'), ...inQueue.filter((entry) => entry.status === 'waiting')];
  }

  private read(providerId: number, date: string, revision: number): QueueState {
    return { revision, active: this.active(providerId, date).map(copy), services: this.services(providerId) };
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

  private existing(entry: NewQueueEntry): QueueEntryEntity | undefined {
    const all = [...this.entries.values()];
    if (entry.appointmentId !== null) {
      const byAppointment = all.find((e) => e.appointmentId === entry.appointmentId);
      if (byAppointment) return byAppointment;
    }
    return all.find((e) => e.providerId === entry.providerId && e.date === entry.date && e.clientId === entry.clientId && isActive(e));
  }
}

function dayKey(providerId: number, date: string): string {
  return `${providerId}:${date}`;
}
