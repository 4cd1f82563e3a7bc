import { defineScript } from 'redis';

/**
 * A fixed window per key, started by the first hit and ending `window` ms later (PEXPIRE): the counter
 * holds every hit handed out in it. Takes a lease of up to `want` hits: none when the limit is reached,
 * else at least one, at most `want` and at most a quarter of what is left (leaseGrant in
 * rate-limit-leases.ts, which must compute the same). ARGV: want, limit, window (ms).
 * Returns {granted, counted after the grant, ms left in the window}.
 */
const TAKE_LEASE = `
local want = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local counted = tonumber(redis.call('GET', KEYS[1]) or '0')
local left = limit - counted
local granted = 0
if left > 0 then granted = math.max(1, math.min(want, math.floor(left / 4))) end
if granted > 0 then counted = redis.call('INCRBY', KEYS[1], granted) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -1 then redis.call('PEXPIRE', KEYS[1], window); ttl = window end
if ttl == -2 then ttl = window end
return {granted, counted, ttl}`;

/** The rate limiter's script, as a method of the Redis client (see src/redis/redis-client.ts). */
export const RATE_LIMIT_SCRIPTS = {
  takeLease: defineScript({
    SCRIPT: TAKE_LEASE,
    NUMBER_OF_KEYS: 1,
    transformArguments: (key: string, want: number, limit: number, windowMs: number) => [
      key,
      String(want),
      String(limit),
      String(windowMs),
    ],
    transformReply: ([granted, counted, windowLeftMs]: [number, number, number]) => ({ granted, counted, windowLeftMs }),
  }),
};
