import { Injectable } from '@nestjs/common';
import { Kysely, Selectable, sql } from 'kysely';
import { AppError } from '../common/app-error';
import { DatabaseService, Transaction } from '../database/database.service';
import { Database, WebhooksTable } from '../database/schema';
import type { WebhookHealth } from './webhook-health';
import type { WebhookEventType } from './webhook-events';
import { NewWebhook, WebhookEntity } from './webhook.entity';

type WebhooksDb = Kysely<Pick<Database, 'webhooks'>>;

function toWebhook(row: Selectable<WebhooksTable>): WebhookEntity {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    providerId: row.provider_id,
    secret: row.secret,
    createdAt: row.created_at,
    failingSince: row.failing_since,
    deactivatedAt: row.deactivated_at,
  };
}

export interface WebhookFilter {
  /** Only this provider's subscriptions. */
  providerId?: number;
  /** Rows with an id below this (the listing runs newest first). */
  beforeId?: number;
  limit: number;
}

/** Names the per-owner lock of the subscription cap among PostgreSQL's advisory locks (a number no other lock uses). */
const WEBHOOK_OWNER_LOCK = 1_100_003;

/** The subscriptions. */
@Injectable()
export class WebhooksRepository {
  private readonly db: WebhooksDb;

  constructor(private readonly database: DatabaseService) {
    this.db = database.tables<'webhooks'>();
  }

  /**
   * Adds a subscription unless its owner (a provider, or the administrator's for every provider)
   * already has `most`: 409 LIMIT_REACHED. Counted under a lock on the owner (PostgreSQL; SQLite has
   * one writer), so concurrent subscriptions cannot all pass a count taken before any is written.
   */
  async insert(webhook: NewWebhook, most: number): Promise<WebhookEntity> {
    return this.database.transaction(async (tx) => {
      const trx = tx.tables<'webhooks'>();
      if (this.database.locksRows) {
        await sql`SELECT pg_advisory_xact_lock(${WEBHOOK_OWNER_LOCK}::integer, ${webhook.providerId ?? 0}::integer)`.execute(trx);
      }
      const { count } = await trx
        .selectFrom('webhooks')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where((eb) => (webhook.providerId === null ? eb('provider_id', 'is', null) : eb('provider_id', '=', webhook.providerId)))
        .executeTakeFirstOrThrow();
      if (Number(count) >= most) {
        throw new AppError(
          'LIMIT_REACHED',
          `There are ${Number(count)} subscriptions for these events already (the most allowed); delete one first`,
        );
      }
      return this.insertIn(trx, webhook);
    });
  }

  private async insertIn(trx: WebhooksDb, webhook: NewWebhook): Promise<WebhookEntity> {
    const row = await trx
      .insertInto('webhooks')
      .values({
        url: webhook.url,
        events: JSON.stringify(webhook.events),
        provider_id: webhook.providerId,
        secret: webhook.secret,
        created_at: webhook.createdAt,
        failing_since: null,
        deactivated_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWebhook(row);
  }

  async findById(id: number): Promise<WebhookEntity | null> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  /** Newest first. */
  async list(filter: WebhookFilter): Promise<WebhookEntity[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .$if(filter.providerId !== undefined, (query) => query.where('provider_id', '=', filter.providerId!))
      .$if(filter.beforeId !== undefined, (query) => query.where('id', '<', filter.beforeId!))
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .execute();
    return rows.map(toWebhook);
  }

  /**
   * The active subscriptions that hear a provider's events: its own and those of every provider, read
   * in the transaction of the change (one indexed statement on the change's hot path). Which of them
   * subscribed to the event is the caller's filter: a handful of rows, and no JSON in the SQL.
   */
  async activeFor(tx: Transaction, providerId: number): Promise<WebhookEntity[]> {
    const rows = await tx
      .tables<'webhooks'>()
      .selectFrom('webhooks')
      .selectAll()
      .where((eb) => eb.or([eb('provider_id', '=', providerId), eb('provider_id', 'is', null)]))
      .where('deactivated_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(toWebhook);
  }

  /** Deletes a subscription, and what `also` writes, in one transaction; false when there was none. */
  remove(id: number, also: (tx: Transaction) => Promise<void>): Promise<boolean> {
    return this.database.transaction(async (tx) => {
      const deleted = await tx.tables<'webhooks'>().deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
      if (deleted.numDeletedRows === 0n) return false;
      await also(tx);
      return true;
    });
  }

  /** Runs `work` in one transaction with the subscription as stored (null when there is none). */
  withWebhook<T>(id: number, work: (tx: Transaction, webhook: WebhookEntity | null) => Promise<T>): Promise<T> {
    return this.database.transaction(async (tx) => {
      const row = await tx.tables<'webhooks'>().selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
      return work(tx, row ? toWebhook(row) : null);
    });
  }

  /**
   * Writes the health a call left, if the subscription still has the health it was read with
   * (compare-and-set): of two calls ending at once, the one that read a stale state changes nothing.
   */
  async updateHealth(id: number, read: WebhookHealth, next: WebhookHealth): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({ failing_since: next.failingSince, deactivated_at: next.deactivatedAt })
      .where('id', '=', id)
      .where((eb) => (read.failingSince === null ? eb('failing_since', 'is', null) : eb('failing_since', '=', read.failingSince)))
      .where((eb) => (read.deactivatedAt === null ? eb('deactivated_at', 'is', null) : eb('deactivated_at', '=', read.deactivatedAt)))
      .execute();
  }
}
