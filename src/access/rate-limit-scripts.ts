import { defineScript } from 'redis';

// A fixed window per key: the first hit starts the window, every hit counts. ARGV[1]: the window in ms.
const COUNT_HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;

/** The rate limiter's script, as a method of the Redis client (see src/redis/redis-client.ts). */
export const RATE_LIMIT_SCRIPTS = {
  countHit: defineScript({
    SCRIPT: COUNT_HIT,
    NUMBER_OF_KEYS: 1,
    transformArguments: (key: string, windowMs: number) => [key, String(windowMs)],
    transformReply: ([hits, windowLeftMs]: [number, number]) => ({ hits, windowLeftMs }),
  }),
};
