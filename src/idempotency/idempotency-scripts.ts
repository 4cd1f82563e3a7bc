import { defineScript } from 'redis';

// KEYS[1] is the record. ARGV[1] is the in-flight marker exactly as `begin` wrote it, so only the run
// that set it (its token is inside) may replace or remove it; a marker that lapsed and was taken over
// by another run is left alone.
// KEYS[2], when given, is the set of the client's records: the record joins it in the same step, so
// an erasure running at any moment finds every record that exists.
const COMPLETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if KEYS[2] then
  redis.call('SADD', KEYS[2], KEYS[1])
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
end
return 1`;

// KEYS[1] is a client's set of records: every record in it, and the set, are deleted.
const FORGET_CLIENT = `
local keys = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(keys) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #keys`;

const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/** The idempotency store's scripts, as methods of the Redis client (see src/redis/redis-client.ts). */
export const IDEMPOTENCY_SCRIPTS = {
  completeIdempotent: defineScript({
    SCRIPT: COMPLETE,
    // The key count is sent each time: one key, or two with the client's set.
    transformArguments: (key: string, marker: string, record: string, keepMs: number, clientIndex?: string) => [
      ...(clientIndex === undefined ? ['1', key] : ['2', key, clientIndex]),
      marker,
      record,
      String(keepMs),
    ],
    transformReply: (done: number): boolean => done === 1,
  }),
  forgetIdempotentClient: defineScript({
    SCRIPT: FORGET_CLIENT,
    NUMBER_OF_KEYS: 1,
    transformArguments: (clientIndex: string) => [clientIndex],
    transformReply: (forgotten: number): number => forgotten,
  }),
  releaseIdempotent: defineScript({
    SCRIPT: RELEASE,
    NUMBER_OF_KEYS: 1,
    transformArguments: (key: string, marker: string) => [key, marker],
    transformReply: (done: number): boolean => done === 1,
  }),
};
