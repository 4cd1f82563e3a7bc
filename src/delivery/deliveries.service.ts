import { Injectable } from '@nestjs/common';
import { assertAdmin, Caller } from '../access/caller';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { decodeCursor, encodeCursor } from '../common/pagination';
import { toDeliveryView } from './delivery-view';
import { DeliveryPage, DeliveryView, ListDeliveriesQuery } from './dto/delivery.dto';
import { OutboxRepository } from './outbox.repository';
import { OutboxWorker } from './outbox-worker';

const DEFAULT_PAGE_SIZE = 20;

/** The outbox as `GET /api/health` reports it. */
export interface DeliveryBacklog {
  queued: number;
  failed: number;
  /** How long the oldest message that is due has waited; 0 when none waits. */
  oldest_queued_seconds: number;
}

function notFound(id: number): AppError {
  return new AppError('NOT_FOUND', `Delivery ${id} does not exist`);
}

/** What the outbox has sent, is sending and gave up on, as the administrator and providers see it. */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly worker: OutboxWorker,
    private readonly clock: Clock,
  ) {}

  /**
   * Newest first. The administrator sees every message; a provider those of its own appointments and
   * webhooks (an `appointment_id` of another's just finds nothing); a client's key is refused. `scope`
   * narrows it to one webhook's calls (its delivery log).
   */
  async list(query: ListDeliveriesQuery, caller: Caller, scope: { webhookId?: number } = {}): Promise<DeliveryPage> {
    if (caller.role === 'client') throw new AppError('FORBIDDEN', "A client's key does not list deliveries");
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.outbox.list({
      status: query.status,
      channel: query.channel,
      appointmentId: query.appointment_id,
      providerId: caller.role === 'provider' ? caller.providerId : undefined,
      webhookId: scope.webhookId,
      // A cursor that is no id of ours reads as 0: nothing is older.
      beforeId: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    return {
      items: items.map(toDeliveryView),
      next_cursor: rows.length > limit ? encodeCursor(items[items.length - 1].id) : null,
    };
  }

  /** Queues a failed message again (the administrator) and has this process's worker try it at once. */
  async retry(id: number, caller: Caller): Promise<DeliveryView> {
    assertAdmin(caller);
    const requeued = await this.outbox.requeue(id, this.clock.nowMs());
    if (requeued) {
      this.worker.wake();
      return toDeliveryView(requeued);
    }
    const existing = await this.outbox.findById(id);
    if (!existing) throw notFound(id);
    throw new AppError('NOT_RETRYABLE', `Delivery ${id} is ${existing.status}: only a failed one is queued again`);
  }

  async backlog(): Promise<DeliveryBacklog> {
    const now = this.clock.nowMs();
    const { queued, failed, oldestQueuedAt } = await this.outbox.backlog(now);
    return { queued, failed, oldest_queued_seconds: oldestQueuedAt === null ? 0 : Math.max(0, Math.floor((now - oldestQueuedAt) / 1000)) };
  }
}
