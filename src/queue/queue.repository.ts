import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindManyOptions, In } from 'typeorm';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { QueueDayEntity } from './entities/queue-day.entity';
import { ACTIVE_STATUSES, QueueEntryEntity } from './entities/queue-entry.entity';
import { MeasuredService, PACE_SAMPLES } from './expected-wait';

export type NewQueueEntry = Omit<QueueEntryEntity, 'id'>;

/** A queue as of one revision: the entries still in it, in order, and the provider's latest services. */
export interface QueueState {
  revision: number;
  /** The one being served (if any) first, then those waiting by queue_at, then by check-in. */
  active: QueueEntryEntity[];
  /** The provider's latest measured services, oldest first. */
  services: MeasuredService[];
}

export type CheckInOutcome = { created: true; entry: QueueEntryEntity; state: QueueState } | { created: false; entry: QueueEntryEntity };

export interface NextOutcome {
  completed: QueueEntryEntity | null;
  called: QueueEntryEntity | null;
  state: QueueState;
}

export type LeaveOutcome = { changed: true; entry: QueueEntryEntity; state: QueueState } | { changed: false; entry: QueueEntryEntity };

/** Thrown inside a transaction to undo it and answer `value` instead. */
class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

const ORDER = { queueAt: 'ASC', checkedInAt: 'ASC', id: 'ASC' } as const;

/**
 * Every change of a queue runs in one transaction that first bumps its `queue_days` revision. On
 * PostgreSQL that UPDATE takes the day's row lock, so the changes of one queue run one at a time
 * (a second `next` waits, then sees the first one's result: two calls never call the same client);
 * the active entries are also read FOR UPDATE. On SQLite every write transaction already runs alone
 * (the Transactions queue). The state read back inside the transaction is exactly that revision's.
 */
@Injectable()
export class QueueRepository {
  private readonly lockRows: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: Transactions,
  ) {
    this.lockRows = dataSource.options.type === 'postgres';
  }

  /** The entry of an appointment that is still in its queue, if it checked in. */
  findActiveByAppointment(appointmentId: number): Promise<QueueEntryEntity | null> {
    return this.dataSource.manager.findOneBy(QueueEntryEntity, { appointmentId, status: In([...ACTIVE_STATUSES]) });
  }

  findEntry(id: number): Promise<QueueEntryEntity | null> {
    return this.dataSource.manager.findOneBy(QueueEntryEntity, { id });
  }

  /**
   * The queue as it is now, revision and entries read in one statement (so they agree), then the
   * provider's latest services; on SQLite never in the middle of another request's write.
   */
  async state(providerId: number, date: string): Promise<QueueState> {
    return this.transactions.read(async (manager) => {
      const day = await manager
        .getRepository(QueueDayEntity)
        .createQueryBuilder('d')
        .leftJoinAndMapMany('d.active', QueueEntryEntity, 'e', 'e.providerId = d.providerId AND e.date = d.date AND e.status IN (:...active)', {
          active: ACTIVE_STATUSES,
        })
        .where('d.providerId = :providerId AND d.date = :date', { providerId, date })
        .orderBy('e.queueAt', 'ASC')
        .addOrderBy('e.checkedInAt', 'ASC')
        .addOrderBy('e.id', 'ASC')
        .getOne();
      const services = await this.services(manager, providerId);
      return { revision: day?.revision ?? 0, active: servingFirst(day?.active ?? []), services };
    });
  }

  /**
   * Puts an entry in its queue; when the appointment is already checked in, or the client is already
   * in this queue, answers that entry instead and changes nothing.
   */
  async checkIn(entry: NewQueueEntry): Promise<CheckInOutcome> {
    try {
      return await this.change(entry.providerId, entry.date, async (manager, revision) => {
        const existing = await this.existing(manager, entry);
        if (existing) throw new Rollback<CheckInOutcome>({ created: false, entry: existing });
        const saved = await manager.save(QueueEntryEntity, manager.create(QueueEntryEntity, entry));
        return { created: true, entry: saved, state: await this.read(manager, entry.providerId, entry.date, revision) };
      });
    } catch (error) {
      // Only reachable if a check-in bypassed the day lock; the unique indexes still keep one entry.
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.existing(this.dataSource.manager, entry);
      if (!existing) throw error;
      return { created: false, entry: existing };
    }
  }

  /** Done for the one being served (its service time is its called_at → finished_at), called for the first waiting. Null when nobody is in the queue. */
  callNext(providerId: number, date: string, now: number): Promise<NextOutcome | null> {
    return this.change(providerId, date, async (manager, revision) => {
      const active = servingFirst(await manager.find(QueueEntryEntity, this.activeOf(providerId, date)));
      if (active.length === 0) throw new Rollback<NextOutcome | null>(null);
      let completed: QueueEntryEntity | null = null;
      for (const serving of active.filter((entry) => entry.status === 'called')) {
        await manager.update(QueueEntryEntity, { id: serving.id, status: 'called' }, { status: 'done', finishedAt: now });
        completed ??= { ...serving, status: 'done', finishedAt: now };
      }
      const first = active.find((entry) => entry.status === 'waiting');
      let called: QueueEntryEntity | null = null;
      if (first) {
        await manager.update(QueueEntryEntity, { id: first.id, status: 'waiting' }, { status: 'called', calledAt: now });
        called = { ...first, status: 'called', calledAt: now };
      }
      return { completed, called, state: await this.read(manager, providerId, date, revision) };
    });
  }

  /** Takes an entry out of its queue as no_show or left; unchanged when it was already out. */
  leave(entry: QueueEntryEntity, status: 'no_show' | 'left', now: number): Promise<LeaveOutcome> {
    return this.change(entry.providerId, entry.date, async (manager, revision) => {
      const updated = await manager.update(QueueEntryEntity, { id: entry.id, status: In([...ACTIVE_STATUSES]) }, { status, finishedAt: now });
      if (!updated.affected) {
        throw new Rollback<LeaveOutcome>({ changed: false, entry: await manager.findOneByOrFail(QueueEntryEntity, { id: entry.id }) });
      }
      const left = await manager.findOneByOrFail(QueueEntryEntity, { id: entry.id });
      return { changed: true, entry: left, state: await this.read(manager, entry.providerId, entry.date, revision) };
    });
  }

  /** Runs `work` as the next revision of the queue, holding its lock; a Rollback undoes it. */
  private async change<T>(providerId: number, date: string, work: (manager: EntityManager, revision: number) => Promise<T>): Promise<T> {
    try {
      return await this.transactions.run(async (manager) => {
        await manager.createQueryBuilder().insert().into(QueueDayEntity).values({ providerId, date, revision: 0 }).orIgnore().execute();
        await manager
          .createQueryBuilder()
          .update(QueueDayEntity)
          .set({ revision: () => 'revision + 1' })
          .where('provider_id = :providerId AND date = :date', { providerId, date })
          .execute();
        const { revision } = await manager.findOneByOrFail(QueueDayEntity, { providerId, date });
        return work(manager, revision);
      });
    } catch (error) {
      if (error instanceof Rollback) return error.value as T;
      throw error;
    }
  }

  private async read(manager: EntityManager, providerId: number, date: string, revision: number): Promise<QueueState> {
    const active = await manager.find(QueueEntryEntity, { where: { providerId, date, status: In([...ACTIVE_STATUSES]) }, order: ORDER });
    return { revision, active: servingFirst(active), services: await this.services(manager, providerId) };
  }

  private activeOf(providerId: number, date: string): FindManyOptions<QueueEntryEntity> {
    return {
      where: { providerId, date, status: In([...ACTIVE_STATUSES]) },
      order: ORDER,
      ...(this.lockRows ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    };
  }

  private async services(manager: EntityManager, providerId: number): Promise<MeasuredService[]> {
    const rows = await manager.find(QueueEntryEntity, {
      select: { id: true, bookedMinutes: true, calledAt: true, finishedAt: true },
      where: { providerId, status: 'done' },
      order: { finishedAt: 'DESC', id: 'DESC' },
      take: PACE_SAMPLES,
    });
    return rows
      .filter((row) => row.calledAt !== null && row.finishedAt !== null)
      .reverse()
      .map((row) => ({ bookedMinutes: row.bookedMinutes, calledAt: row.calledAt!, finishedAt: row.finishedAt! }));
  }

  private async existing(manager: EntityManager, entry: NewQueueEntry): Promise<QueueEntryEntity | null> {
    if (entry.appointmentId !== null) {
      const byAppointment = await manager.findOneBy(QueueEntryEntity, { appointmentId: entry.appointmentId });
      if (byAppointment) return byAppointment;
    }
    return manager.findOneBy(QueueEntryEntity, {
      providerId: entry.providerId,
      date: entry.date,
      clientId: entry.clientId,
      status: In([...ACTIVE_STATUSES]),
    });
  }
}

/** The one being served comes first, then the waiting in their (already sorted) order. */
function servingFirst(entries: QueueEntryEntity[]): QueueEntryEntity[] {
  return [...entries.filter((entry) => entry.status === 'called'), ...entries.filter((entry) => entry.status === 'waiting')];
}
