import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RedisClientWith } from '../redis/redis-client';
import { redisCommand } from '../redis/redis-command';
import { IDEMPOTENCY_SCRIPTS } from './idempotency-scripts';
import { BeginOutcome, IdempotencyStore } from './idempotency-store';
import { StoredAnswer } from './stored-answer';

/** What a key holds: a run's marker, or the finished answer; both with the body's fingerprint. */
type RedisRecord =
  { state: 'in_flight'; fingerprint: string; token: string } | { state: 'done'; fingerprint: string; answer: StoredAnswer };

/**
 * Records as JSON strings under `{REDIS_PREFIX}idempotency:{key}`: the marker is a SET NX PX (atomic
 * across processes, and it lapses by itself), the answer replaces it by script only if the marker is
 * still the same run's. Redis's own expiry removes both. A record about a client is also listed in
 * that client's set (`idempotency-client:{id}`, living as long as its newest record), for erasure.
 */
export class RedisIdempotencyStore extends IdempotencyStore {
  private readonly logger = new Logger(RedisIdempotencyStore.name);

  constructor(
    private readonly client: RedisClientWith<typeof IDEMPOTENCY_SCRIPTS>,
    private readonly prefix: string,
  ) {
    super();
  }

  async begin(key: string, fingerprint: string, inFlightMs: number): Promise<BeginOutcome> {
    const token = randomUUID();
    // A record that lapses between the SET and the GET is simply tried again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const marker = markerOf(fingerprint, token);
      const set = await this.guard(this.client.set(this.redisKey(key), marker, { NX: true, PX: inFlightMs }));
      if (set === 'OK') return { outcome: 'started', token };
      const found = await this.guard(this.client.get(this.redisKey(key)));
      if (found === null) continue;
      const record = JSON.parse(found) as RedisRecord;
      if (record.fingerprint !== fingerprint) return { outcome: 'reused' };
      return record.state === 'done' ? { outcome: 'replay', answer: record.answer } : { outcome: 'in_use' };
    }
    return { outcome: 'in_use' };
  }

  async complete(key: string, token: string, answer: StoredAnswer, keepMs: number, clientId?: number): Promise<void> {
    const marker = await this.guard(this.client.get(this.redisKey(key)));
    if (marker === null) return;
    const record = JSON.parse(marker) as RedisRecord;
    if (record.state !== 'in_flight' || record.token !== token) return;
    const done: RedisRecord = { state: 'done', fingerprint: record.fingerprint, answer };
    // The script checks the marker again: between this GET and it, the marker may have lapsed and been retaken.
    const index = clientId === undefined ? undefined : this.clientIndexKey(clientId);
    await this.guard(this.client.completeIdempotent(this.redisKey(key), marker, JSON.stringify(done), keepMs, index));
  }

  async forgetClient(clientId: number): Promise<void> {
    await this.guard(this.client.forgetIdempotentClient(this.clientIndexKey(clientId)));
  }

  async release(key: string, token: string): Promise<void> {
    const marker = await this.guard(this.client.get(this.redisKey(key)));
    if (marker === null) return;
    const record = JSON.parse(marker) as RedisRecord;
    if (record.state === 'in_flight' && record.token === token) await this.guard(this.client.releaseIdempotent(this.redisKey(key), marker));
  }

  private redisKey(key: string): string {
    return `${this.prefix}idempotency:${key}`;
  }

  /** The set of a client's record keys, so that its erasure finds them without scanning. */
  private clientIndexKey(clientId: number): string {
    return `${this.prefix}idempotency-client:${clientId}`;
  }

  private guard<T>(command: Promise<T>): Promise<T> {
    return redisCommand(command, this.logger, 'The idempotency store did not answer');
  }
}

function markerOf(fingerprint: string, token: string): string {
  const record: RedisRecord = { state: 'in_flight', fingerprint, token };
  return JSON.stringify(record);
}
