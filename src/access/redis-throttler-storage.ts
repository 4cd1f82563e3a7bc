import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { throttledWarning } from '../common/log-throttle';
import { withTimeout } from '../common/timeout';
import type { RedisClientWith } from '../redis/redis-client';
import { RATE_LIMIT_SCRIPTS } from './rate-limit-scripts';

const COUNT_TIMEOUT_MS = 500;

/** What a storage answers for one hit (the throttler exports the interface but not this record's type). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Rate-limit counters in Redis, so the limit holds across every server process. */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly warn = throttledWarning(new Logger(RedisThrottlerStorage.name));

  constructor(
    private readonly client: RedisClientWith<typeof RATE_LIMIT_SCRIPTS>,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    try {
      // A Redis that stalls (connection open, no answer) must not hold every request up.
      const { hits, windowLeftMs } = await withTimeout(this.client.countHit(`${this.prefix}rate:${key}`, ttl), COUNT_TIMEOUT_MS);
      const seconds = Math.max(1, Math.ceil(windowLeftMs / 1000));
      const isBlocked = hits > limit;
      return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
    } catch (error) {
      // Counting is best effort: a Redis outage must not take every route down with it.
      this.warn(`Rate limit not counted, Redis did not answer: ${String(error)}`);
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
