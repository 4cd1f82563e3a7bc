import { Transaction } from '../../../src/database/database.service';
import type { WebhookFilter, WebhooksRepository } from '../../../src/webhooks/webhooks.repository';
import type { WebhookHealth } from '../../../src/webhooks/webhook-health';
import type { NewWebhook, WebhookEntity } from '../../../src/webhooks/webhook.entity';
import { FAKE_TRANSACTION } from './recording-outbox';
import { copy, PublicSurface } from './public-surface';

/** The subscriptions in memory, newest id last. */
export class MemoryWebhooksRepository implements PublicSurface<WebhooksRepository> {
  private readonly rows: WebhookEntity[] = [];
  private nextId = 1;

  async insert(webhook: NewWebhook): Promise<WebhookEntity> {
    const row: WebhookEntity = { ...copy(webhook), id: this.nextId++, failingSince: null, deactivatedAt: null };
    this.rows.push(row);
    return copy(row);
  }

  async findById(id: number): Promise<WebhookEntity | null> {
    const row = this.rows.find((candidate) => candidate.id === id);
    return row ? copy(row) : null;
  }

  async list(filter: WebhookFilter): Promise<WebhookEntity[]> {
    return copy(
      this.rows
        .filter((row) => filter.providerId === undefined || row.providerId === filter.providerId)
        .filter((row) => filter.beforeId === undefined || row.id < filter.beforeId)
        .sort((a, b) => b.id - a.id)
        .slice(0, filter.limit),
    );
  }

  async activeFor(_tx: Transaction, providerId: number): Promise<WebhookEntity[]> {
    return copy(this.rows.filter((row) => (row.providerId === providerId || row.providerId === null) && row.deactivatedAt === null));
  }

  async remove(id: number, also: (tx: Transaction) => Promise<void>): Promise<boolean> {
    const index = this.rows.findIndex((row) => row.id === id);
    if (index < 0) return false;
    this.rows.splice(index, 1);
    await also(FAKE_TRANSACTION);
    return true;
  }

  async withWebhook<T>(id: number, work: (tx: Transaction, webhook: WebhookEntity | null) => Promise<T>): Promise<T> {
    return work(FAKE_TRANSACTION, await this.findById(id));
  }

  async updateHealth(id: number, read: WebhookHealth, next: WebhookHealth): Promise<void> {
    const row = this.rows.find((candidate) => candidate.id === id);
    if (row && row.failingSince === read.failingSince && row.deactivatedAt === read.deactivatedAt) Object.assign(row, next);
  }
}
