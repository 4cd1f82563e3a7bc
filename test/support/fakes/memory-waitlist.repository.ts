import { Transaction } from '../../../src/database/database.service';
import { StoredWaitlistStatus, WaitlistEntryEntity } from '../../../src/waitlist/entities/waitlist-entry.entity';
import { NewWaitlistEntry, WaitingDay, WaitlistFilter, WaitlistRepository } from '../../../src/waitlist/waitlist.repository';
import { copy, PublicSurface } from './public-surface';

/** The `waitlist_entries` table in memory, with the real repository's compare-and-set on status. */
export class InMemoryWaitlistRepository implements PublicSurface<WaitlistRepository> {
  private readonly rows = new Map<number, WaitlistEntryEntity>();
  private lastId = 0;

  async insert(entry: NewWaitlistEntry): Promise<WaitlistEntryEntity> {
    const row: WaitlistEntryEntity = {
      ...copy(entry),
      id: ++this.lastId,
      status: 'waiting',
      appointmentId: null,
      offeredAt: null,
      leftAt: null,
    };
    this.rows.set(row.id, row);
    return copy(row);
  }

  async allOfClient(clientId: number): Promise<WaitlistEntryEntity[]> {
    return [...this.rows.values()]
      .filter((row) => row.clientId === clientId)
      .sort((a, b) => a.id - b.id)
      .map(copy);
  }

  async findById(id: number): Promise<WaitlistEntryEntity | null> {
    const row = this.rows.get(id);
    return row ? copy(row) : null;
  }

  async list(filter: WaitlistFilter): Promise<WaitlistEntryEntity[]> {
    return this.sorted()
      .filter((row) => filter.providerId === undefined || row.providerId === filter.providerId)
      .filter((row) => filter.clientId === undefined || row.clientId === filter.clientId)
      .filter((row) => filter.date === undefined || row.date === filter.date)
      .map(copy);
  }

  async waitingOn(providerId: number, date: string): Promise<WaitlistEntryEntity[]> {
    return this.list({ providerId, date }).then((rows) => rows.filter((row) => row.status === 'waiting'));
  }

  async waitingDays(fromDate: string, providerId?: number): Promise<WaitingDay[]> {
    const days = new Map<string, WaitingDay>();
    for (const row of this.sorted()) {
      if (row.status !== 'waiting' || row.date < fromDate || (providerId !== undefined && row.providerId !== providerId)) continue;
      days.set(`${row.providerId}|${row.date}`, { providerId: row.providerId, date: row.date });
    }
    return [...days.values()].sort((a, b) => a.date.localeCompare(b.date) || a.providerId - b.providerId);
  }

  async markOffered(_tx: Transaction, id: number, appointmentId: number, offeredAt: number): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'waiting') return false;
    Object.assign(row, { status: 'offered', appointmentId, offeredAt });
    return true;
  }

  async markLeft(id: number, from: StoredWaitlistStatus, leftAt: number): Promise<WaitlistEntryEntity | null> {
    const row = this.rows.get(id);
    if (!row || row.status !== from) return null;
    Object.assign(row, { status: 'left', leftAt });
    return copy(row);
  }

  /** Sets an entry's stored status behind the service's back, as another process would. */
  forceStatus(id: number, status: StoredWaitlistStatus): void {
    this.rows.get(id)!.status = status;
  }

  private sorted(): WaitlistEntryEntity[] {
    return [...this.rows.values()].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  }
}
