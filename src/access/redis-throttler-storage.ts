import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisClientType } from 'redis';
import { withTimeout } from '../common/timeout';

const COUNT_TIMEOUT_MS = 500;

/** What a storage answers for one hit (the throttler exports the interface but not this record's type). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

// A fixed window per key: the first hit starts the window, every hit counts.
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;

/** Rate-limit counters in Redis, so the limit holds across every server process. */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private lastWarning = 0;

  constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    try {
      const counted = this.client.eval(INCREMENT, { keys: [`${this.prefix}rate:${key}`], arguments: [String(ttl)] });
      // A Redis that stalls (connection open, no answer) must not hold every request up.
      const [hits, ttlMs] = (await withTimeout(counted, COUNT_TIMEOUT_MS)) as [number, number];
      const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
      const isBlocked = hits > limit;
      return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
    } catch (error) {
      // Counting is best effort: a Redis outage must not take every route down with it.
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`Rate limit not counted, Redis did not answer: ${String(error)}`);
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
