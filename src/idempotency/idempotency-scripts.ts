import { defineScript } from 'redis';

// KEYS[1] is the record. ARGV[1] is the in-flight marker exactly as `begin` wrote it, so only the run
// that set it (its token is inside) may replace or remove it; a marker that lapsed and was taken over
// by another run is left alone.
const COMPLETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/** The idempotency store's scripts, as methods of the Redis client (see src/redis/redis-client.ts). */
export const IDEMPOTENCY_SCRIPTS = {
  completeIdempotent: defineScript({
    SCRIPT: COMPLETE,
    NUMBER_OF_KEYS: 1,
    transformArguments: (key: string, marker: string, record: string, keepMs: number) => [key, marker, record, String(keepMs)],
    transformReply: (done: number): boolean => done === 1,
  }),
  releaseIdempotent: defineScript({
    SCRIPT: RELEASE,
    NUMBER_OF_KEYS: 1,
    transformArguments: (key: string, marker: string) => [key, marker],
    transformReply: (done: number): boolean => done === 1,
  }),
};
