import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock';
import { DatabaseService } from '../database/database.service';
import { isUniqueViolation } from '../database/errors';
import { BeginOutcome, IdempotencyStore } from './idempotency-store';
import { StoredAnswer } from './stored-answer';

/** How often, at most, lapsed records are deleted (each process, on its way). */
const PRUNE_EVERY_MS = 60_000;

/**
 * Records as rows of `idempotency_records`: the marker is an INSERT under the key's primary key (one
 * winner across processes), a lapsed one is taken over by an UPDATE conditioned on what was read, and
 * the answer is written only while the row still carries this run's token.
 */
export class DatabaseIdempotencyStore extends IdempotencyStore {
  private prunedAt = 0;

  constructor(
    private readonly database: DatabaseService,
    private readonly clock: Clock,
  ) {
    super();
  }

  private get db() {
    return this.database.tables<'idempotency_records'>();
  }

  async begin(key: string, fingerprint: string, inFlightMs: number): Promise<BeginOutcome> {
    const token = randomUUID();
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock.nowMs();
      try {
        await this.db
          .insertInto('idempotency_records')
          .values({ key, fingerprint, token, status: null, content_type: null, body: null, expires_at: now + inFlightMs })
          .execute();
        return { outcome: 'started', token };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const found = await this.db.selectFrom('idempotency_records').selectAll().where('key', '=', key).executeTakeFirst();
      if (!found) continue;
      if (found.expires_at <= now) {
        // Lapsed (a crashed run, or an answer past its 24 hours): take it over, unless another run just did.
        const taken = await this.db
          .updateTable('idempotency_records')
          .set({ fingerprint, token, status: null, content_type: null, body: null, expires_at: now + inFlightMs })
          .where('key', '=', key)
          .where('expires_at', '=', found.expires_at)
          .executeTakeFirst();
        if (Number(taken.numUpdatedRows) === 1) return { outcome: 'started', token };
        continue;
      }
      if (found.fingerprint !== fingerprint) return { outcome: 'reused' };
      if (found.token !== null || found.status === null) return { outcome: 'in_use' };
      return {
        outcome: 'replay',
        answer: { status: found.status, contentType: found.content_type ?? 'application/json', body: found.body ?? '' },
      };
    }
    return { outcome: 'in_use' };
  }

  async complete(key: string, token: string, answer: StoredAnswer, keepMs: number, clientId?: number): Promise<void> {
    await this.db
      .updateTable('idempotency_records')
      .set({
        client_id: clientId ?? null,
        token: null,
        status: answer.status,
        content_type: answer.contentType,
        body: answer.body,
        expires_at: this.clock.nowMs() + keepMs,
      })
      .where('key', '=', key)
      .where('token', '=', token)
      .execute();
    await this.pruneNowAndThen();
  }

  async release(key: string, token: string): Promise<void> {
    await this.db.deleteFrom('idempotency_records').where('key', '=', key).where('token', '=', token).execute();
  }

  async forgetClient(clientId: number): Promise<void> {
    await this.db.deleteFrom('idempotency_records').where('client_id', '=', clientId).execute();
  }

  /** Deletes lapsed rows, at most once a minute per process: nothing else would, on a database. */
  private async pruneNowAndThen(): Promise<void> {
    const now = this.clock.nowMs();
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    await this.db.deleteFrom('idempotency_records').where('expires_at', '<', now).execute();
  }
}
