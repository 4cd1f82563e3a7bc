import { defineScript } from 'redis';

// KEYS[1] is the hold record, KEYS[2..] its slots. All carry the same {provider:date} hash tag, so each
// script touches a single Redis Cluster slot (the claim's buffer slots aside: see RedisHoldStore).
// Lifetimes are relative (PX), so the hold lasts as long as the app meant whatever Redis's own clock says.

// KEYS[2..ARGV[3]+1] are the hold's slots, the KEYS after them its buffer slots (which must not be held
// by another hold). ARGV: the hold id, its lifetime in ms, how many slots it holds. A slot held by the
// same hold id counts as free and keeps the longer of its lifetimes. The record is a bare marker (the
// hold is live and not yet consumed): confirmation reads the hold itself from its appointment.
const CLAIM = `
for i = 2, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if owner and owner ~= ARGV[1] then return 0 end
end
local ttl = tonumber(ARGV[2])
for i = 2, tonumber(ARGV[3]) + 1 do
  local left = redis.call('PTTL', KEYS[i])
  if left ~= -1 and left < ttl then redis.call('SET', KEYS[i], ARGV[1], 'PX', ttl) end
end
redis.call('SET', KEYS[1], '', 'PX', ttl)
return 1`;

// ARGV: the hold id, how long its slots stay held from now on.
const PIN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[1] then return 0 end
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
end
return 1`;

// ARGV: the hold id. Frees only the slots this hold still owns.
const RELEASE = `
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 1`;

// KEYS are slots only, no ARGV. For each slot its holder and remaining lifetime in ms, flattened (a
// slot not held: false and -2), so a read learns in one round trip who holds what and until when.
const HOLDERS = `
local found = {}
for i = 1, #KEYS do
  found[2 * i - 1] = redis.call('GET', KEYS[i])
  found[2 * i] = redis.call('PTTL', KEYS[i])
end
return found`;

/** EVALSHA's key count and keys: the record, then the slots (their number varies, so it is sent each time). */
function holdKeys(recordKey: string, slotKeys: readonly string[]): string[] {
  return [String(1 + slotKeys.length), recordKey, ...slotKeys];
}

/** The hold store's scripts, as methods of the Redis client (see src/redis/redis-client.ts). */
export const HOLD_SCRIPTS = {
  claimHold: defineScript({
    SCRIPT: CLAIM,
    transformArguments: (recordKey: string, slotKeys: readonly string[], freeKeys: readonly string[], holdId: string, ttlMs: number) => [
      ...holdKeys(recordKey, [...slotKeys, ...freeKeys]),
      holdId,
      String(ttlMs),
      String(slotKeys.length),
    ],
    transformReply: (claimed: number): boolean => claimed === 1,
  }),
  slotHolders: defineScript({
    SCRIPT: HOLDERS,
    transformArguments: (slotKeys: readonly string[]) => [String(slotKeys.length), ...slotKeys],
    transformReply: (found: (string | number | null)[]): (string | number | null)[] => found,
  }),
  pinHold: defineScript({
    SCRIPT: PIN,
    transformArguments: (recordKey: string, slotKeys: readonly string[], holdId: string, pinMs: number) => [
      ...holdKeys(recordKey, slotKeys),
      holdId,
      String(pinMs),
    ],
    transformReply: (pinned: number): boolean => pinned === 1,
  }),
  releaseHold: defineScript({
    SCRIPT: RELEASE,
    transformArguments: (recordKey: string, slotKeys: readonly string[], holdId: string) => [...holdKeys(recordKey, slotKeys), holdId],
    transformReply: (): void => undefined,
  }),
};
