import { defineScript } from 'redis';

// Milliseconds of Redis's own clock, so processes whose clocks differ agree on what has lapsed.
const REDIS_NOW = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)`;

// KEYS[1]: the holder's places, a sorted set of stream ids scored by when their lease ends.
// ARGV: the new stream's id, the limit, the lease.
const CLAIM_PLACE = `${REDIS_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

// ARGV: the lease, then the ids of the streams this process still has open for the holder.
const RENEW_PLACES = `${REDIS_NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/** The stream quota's scripts, as methods of the Redis client (see src/redis/redis-client.ts). */
export const STREAM_QUOTA_SCRIPTS = {
  claimStreamPlace: defineScript({
    SCRIPT: CLAIM_PLACE,
    NUMBER_OF_KEYS: 1,
    transformArguments: (placesKey: string, streamId: string, limit: number, leaseMs: number) => [
      placesKey,
      streamId,
      String(limit),
      String(leaseMs),
    ],
    transformReply: (claimed: number): boolean => claimed === 1,
  }),
  renewStreamPlaces: defineScript({
    SCRIPT: RENEW_PLACES,
    NUMBER_OF_KEYS: 1,
    transformArguments: (placesKey: string, leaseMs: number, streamIds: readonly string[]) => [placesKey, String(leaseMs), ...streamIds],
    transformReply: (): void => undefined,
  }),
};
