import { defineScript } from 'redis';

// KEYS[1] is the hold record, KEYS[2..] its slots. All carry the same {provider:date} hash tag, so each
// script touches a single Redis Cluster slot. Lifetimes are relative (PX), so the hold lasts as long as
// the app meant whatever Redis's own clock says.

// ARGV: the hold id, its lifetime in ms. The record is a bare marker (the hold is live and not yet
// consumed): confirmation reads the hold itself from its appointment.
const CLAIM = `
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
end
redis.call('SET', KEYS[1], '', 'PX', ARGV[2])
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

// KEYS are slots only, no ARGV. Each slot's remaining lifetime in ms (PTTL: -2 when not held), so a listing learns in one round
// trip which slots are held and when each is free again.
const LIFETIMES = `
local remaining = {}
for i = 1, #KEYS do
  remaining[i] = redis.call('PTTL', KEYS[i])
end
return remaining`;

/** EVALSHA's key count and keys: the record, then the slots (their number varies, so it is sent each time). */
function holdKeys(recordKey: string, slotKeys: readonly string[]): string[] {
  return [String(1 + slotKeys.length), recordKey, ...slotKeys];
}

/** The hold store's scripts, as methods of the Redis client (see src/redis/redis-client.ts). */
export const HOLD_SCRIPTS = {
  claimHold: defineScript({
    SCRIPT: CLAIM,
    transformArguments: (recordKey: string, slotKeys: readonly string[], holdId: string, ttlMs: number) => [
      ...holdKeys(recordKey, slotKeys),
      holdId,
      String(ttlMs),
    ],
    transformReply: (claimed: number): boolean => claimed === 1,
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
  slotLifetimes: defineScript({
    SCRIPT: LIFETIMES,
    transformArguments: (slotKeys: readonly string[]) => [String(slotKeys.length), ...slotKeys],
    transformReply: (remaining: number[]): number[] => remaining,
  }),
  releaseHold: defineScript({
    SCRIPT: RELEASE,
    transformArguments: (recordKey: string, slotKeys: readonly string[], holdId: string) => [...holdKeys(recordKey, slotKeys), holdId],
    transformReply: (): void => undefined,
  }),
};
