import { Injectable } from '@nestjs/common';
import { Kysely, Selectable } from 'kysely';
import { randomUUID } from 'node:crypto';
import { redact } from '../common/redact';
import { DatabaseService, Transaction } from '../database/database.service';
import { Database, OutboxMessagesTable } from '../database/schema';
import { ClaimedMessage, DeliveryLane, DeliveryStatus, NewMessage } from './outbox-message';

type OutboxDb = Kysely<Pick<Database, 'outbox_messages'>>;

/** Longest error text kept on a message: enough to tell what went wrong, never a whole reply. */
const ERROR_TEXT_LIMIT = 500;

export type OutboxRow = Selectable<OutboxMessagesTable>;

export interface DeliveryFilter {
  status?: DeliveryStatus;
  channel?: string;
  appointmentId?: number;
  providerId?: number;
  webhookId?: number;
  /** Rows with an id below this (the listing runs newest first). */
  beforeId?: number;
  limit: number;
}

export interface Backlog {
  queued: number;
  failed: number;
  oldestQueuedAt: number | null;
}

function toClaimed(row: OutboxRow): ClaimedMessage {
  return {
    id: row.id,
    channel: row.channel,
    kind: row.kind,
    recipient: row.recipient,
    payload: row.payload,
    messageKey: row.message_key,
    attempts: row.attempts,
    webhookId: row.webhook_id,
    dueAt: row.due_at,
    sendBefore: row.send_before,
    createdAt: row.created_at,
  };
}

/** A person the outbox may hold messages about: its addresses and phones, and its appointments. */
export interface PersonRef {
  recipients: string[];
  appointmentIds: number[];
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/**
 * A LIKE pattern's text with its wildcards (and PostgreSQL's escape character) matching any one
 * character: a little wider than the text, never narrower; callers filter what it finds.
 */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '_');
}

function rowOf(message: NewMessage, now: number) {
  return {
    channel: message.channel,
    kind: message.kind,
    recipient: message.payload.to,
    payload: JSON.stringify(message.payload),
    message_key: randomUUID(),
    appointment_id: message.appointmentId ?? null,
    provider_id: message.providerId ?? null,
    webhook_id: message.channel === 'webhook' ? message.payload.webhookId : null,
    status: 'queued' as const,
    attempts: 0,
    due_at: message.dueAt ?? now,
    next_attempt_at: message.dueAt ?? now,
    send_before: message.sendBefore ?? null,
    created_at: now,
  };
}

/**
 * The outbox table. Messages are added inside the caller's transaction; workers claim due ones with
 * a lease. Every later write of a claimed message is fenced by its `attempts`: a worker whose lease
 * lapsed (and whose message another worker claimed again) can no longer change it.
 */
@Injectable()
export class OutboxRepository {
  private readonly db: OutboxDb;

  constructor(private readonly database: DatabaseService) {
    this.db = database.tables<'outbox_messages'>();
  }

  async add(tx: Transaction, messages: NewMessage[], now: number): Promise<void> {
    if (messages.length === 0) return;
    await tx
      .tables<'outbox_messages'>()
      .insertInto('outbox_messages')
      .values(messages.map((message) => rowOf(message, now)))
      .execute();
  }

  /** Adds one message and answers its row (a webhook's test ping, whose delivery is the answer). */
  async addOne(tx: Transaction, message: NewMessage, now: number): Promise<OutboxRow> {
    return tx
      .tables<'outbox_messages'>()
      .insertInto('outbox_messages')
      .values(rowOf(message, now))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Drops the calls to a webhook that have not gone out (its subscription is being deleted). */
  async dropQueuedOfWebhook(tx: Transaction, webhookId: number): Promise<void> {
    await tx
      .tables<'outbox_messages'>()
      .deleteFrom('outbox_messages')
      .where('webhook_id', '=', webhookId)
      .where('status', '=', 'queued')
      .execute();
  }

  /**
   * The messages about a person, for its export or erasure: those sent to one of its addresses or
   * phones, those about its appointments, and any other whose text holds one of its addresses or phones.
   */
  async aboutPerson(about: PersonRef, tx?: Transaction): Promise<OutboxRow[]> {
    const db = tx ? tx.tables<'outbox_messages'>() : this.db;
    if (about.recipients.length === 0 && about.appointmentIds.length === 0) return [];
    // In a transaction (an erasure) the rows are its until it commits: a worker's "sent" meanwhile waits,
    // rather than turning a row the erasure read as queued into a sent one that deleteQueued passes over.
    return db
      .selectFrom('outbox_messages')
      .selectAll()
      .where((eb) =>
        eb.or([
          ...(about.recipients.length > 0 ? [eb('recipient', 'in', about.recipients)] : []),
          ...chunks(about.appointmentIds, 500).map((ids) => eb('appointment_id', 'in', ids)),
          ...about.recipients.map((recipient) => eb('payload', 'like', `%${escapeLike(recipient)}%`)),
        ]),
      )
      .orderBy('id')
      .$if(tx !== undefined && this.database.locksRows, (query) => query.forUpdate())
      .execute();
  }

  /** Deletes messages not sent yet (an erased person's), within the caller's transaction. */
  async deleteQueued(tx: Transaction, ids: number[]): Promise<void> {
    for (const some of chunks(ids, 500)) {
      await tx.tables<'outbox_messages'>().deleteFrom('outbox_messages').where('id', 'in', some).where('status', '=', 'queued').execute();
    }
  }

  /**
   * Replaces a message's recipient and text (an erased person's details taken out), and its last error
   * when given (a server's refusal may quote the address), within the caller's transaction.
   */
  async rewrite(tx: Transaction, id: number, recipient: string, payload: string, lastError?: string): Promise<void> {
    await tx
      .tables<'outbox_messages'>()
      .updateTable('outbox_messages')
      .set({ recipient, payload, ...(lastError === undefined ? {} : { last_error: lastError }) })
      .where('id', '=', id)
      .execute();
  }

  /** Drops the messages of these kinds about an appointment that have not gone out (a cancelled appointment's reminders). */
  async dropQueued(tx: Transaction, appointmentId: number, kinds: string[]): Promise<void> {
    await tx
      .tables<'outbox_messages'>()
      .deleteFrom('outbox_messages')
      .where('appointment_id', '=', appointmentId)
      .where('kind', 'in', kinds)
      .where('status', '=', 'queued')
      .execute();
  }

  /**
   * Takes up to `limit` due messages for one worker until `leaseUntil`, counting the try. On
   * PostgreSQL the rows are locked and skipped by concurrent claims (FOR UPDATE SKIP LOCKED), so two
   * workers never take the same message; on SQLite the one connection runs one statement at a time.
   * With a `lane`, only that lane's messages (webhook calls, or emails and texts). The calls to the
   * webhooks of `skipWebhooks` are left for later (this worker has as many of theirs in hand as it
   * may); emails and texts never are.
   */
  async claim(
    now: number,
    limit: number,
    leaseUntil: number,
    lane?: DeliveryLane,
    skipWebhooks: readonly number[] = [],
  ): Promise<ClaimedMessage[]> {
    const rows = await this.db
      .updateTable('outbox_messages')
      .set((eb) => ({ lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('outbox_messages')
          .select('id')
          .where('status', '=', 'queued')
          .where('next_attempt_at', '<=', now)
          .where((where) => where.or([where('lease_until', 'is', null), where('lease_until', '<=', now)]))
          .$if(lane !== undefined, (query) => query.where('channel', lane === 'calls' ? '=' : '<>', 'webhook'))
          // Not a bare NOT IN: an email's null webhook_id would make it unknown, and the email skipped.
          .$if(skipWebhooks.length > 0, (query) =>
            query.where((where) => where.or([where('webhook_id', 'is', null), where('webhook_id', 'not in', [...skipWebhooks])])),
          )
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(limit)
          .$if(this.database.locksRows, (query) => query.forUpdate().skipLocked()),
      )
      .returningAll()
      .execute();
    return rows.map(toClaimed).sort((a, b) => a.id - b.id);
  }

  /**
   * Undoes the claim of messages this worker took but will not send (more calls to one webhook than it
   * may have in hand): the lease cleared and the try not counted, each fenced by its `attempts`;
   * `next_attempt_at` is left as it was, so they keep their place in the order. Run once, never
   * retried: once it has worked, the same try count may be another worker's claim, which a second run
   * would undo.
   */
  async unclaim(messages: readonly ClaimedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.db
      .updateTable('outbox_messages')
      .set((eb) => ({ lease_until: null, attempts: eb('attempts', '-', 1) }))
      .where('status', '=', 'queued')
      .where((eb) => eb.or(messages.map((message) => eb.and([eb('id', '=', message.id), eb('attempts', '=', message.attempts)]))))
      .execute();
  }

  /**
   * Marks this try sent; answers the text the row holds now, or undefined when the row is not this try's
   * (deleted, or claimed again by another worker). A text unlike the one sent: an erasure rewrote it meanwhile.
   */
  async markSent(message: ClaimedMessage, now: number): Promise<string | undefined> {
    const marked = await this.fenced(message)
      .set({ status: 'sent', sent_at: now, lease_until: null, last_error: null, next_attempt_at: now })
      .returning('payload')
      .executeTakeFirst();
    return marked?.payload;
  }

  async markFailedTry(
    message: ClaimedMessage,
    error: string,
    outcome: { status: 'queued'; nextAttemptAt: number } | { status: 'failed' },
  ): Promise<void> {
    await this.fenced(message)
      .set({
        status: outcome.status,
        // A server's reply may quote the address: kept as the logs keep it, masked.
        last_error: redact(error).slice(0, ERROR_TEXT_LIMIT),
        lease_until: null,
        ...(outcome.status === 'queued' ? { next_attempt_at: outcome.nextAttemptAt } : {}),
      })
      .execute();
  }

  /** Gives a claimed message back without a verdict (shutdown): due again at once, for any worker. */
  async release(message: ClaimedMessage, now: number): Promise<void> {
    await this.fenced(message).set({ lease_until: null, next_attempt_at: now }).execute();
  }

  /** Queues a failed message again, with a fresh day of retries; null when it is not failed (or not there). */
  async requeue(id: number, now: number): Promise<OutboxRow | null> {
    const row = await this.db
      .updateTable('outbox_messages')
      .set({ status: 'queued', due_at: now, next_attempt_at: now, lease_until: null })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  async findById(id: number): Promise<OutboxRow | null> {
    return (await this.db.selectFrom('outbox_messages').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** Newest first. */
  async list(filter: DeliveryFilter): Promise<OutboxRow[]> {
    return this.db
      .selectFrom('outbox_messages')
      .selectAll()
      .$if(filter.status !== undefined, (query) => query.where('status', '=', filter.status!))
      .$if(filter.channel !== undefined, (query) => query.where('channel', '=', filter.channel as OutboxRow['channel']))
      .$if(filter.appointmentId !== undefined, (query) => query.where('appointment_id', '=', filter.appointmentId!))
      .$if(filter.providerId !== undefined, (query) => query.where('provider_id', '=', filter.providerId!))
      .$if(filter.webhookId !== undefined, (query) => query.where('webhook_id', '=', filter.webhookId!))
      .$if(filter.beforeId !== undefined, (query) => query.where('id', '<', filter.beforeId!))
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .execute();
  }

  /** How many wait and how many failed, and since when the oldest message that is due has waited. */
  async backlog(now: number): Promise<Backlog> {
    const [counts, oldest] = await Promise.all([
      this.db
        .selectFrom('outbox_messages')
        .select((eb) => ['status', eb.fn.countAll<number | string>().as('count')])
        .where('status', 'in', ['queued', 'failed'])
        .groupBy('status')
        .execute(),
      this.db
        .selectFrom('outbox_messages')
        .select((eb) => eb.fn.min('due_at').as('due_at'))
        .where('status', '=', 'queued')
        .where('due_at', '<=', now)
        .executeTakeFirst(),
    ]);
    const count = (status: string) => Number(counts.find((row) => row.status === status)?.count ?? 0);
    const oldestDue = oldest?.due_at;
    return {
      queued: count('queued'),
      failed: count('failed'),
      oldestQueuedAt: oldestDue === null || oldestDue === undefined ? null : Number(oldestDue),
    };
  }

  private fenced(message: ClaimedMessage) {
    return this.db.updateTable('outbox_messages').where('id', '=', message.id).where('attempts', '=', message.attempts);
  }
}
