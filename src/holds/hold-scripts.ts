import { defineScript } from 'redis';

// KEYS[1] is the hold record, KEYS[2..] its slots. All carry the same {provider:date} hash tag, so each
// script touches a single Redis Cluster slot.

// ARGV: the hold id, when it lapses (epoch ms), the hold record.
const CLAIM = `
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PXAT', ARGV[2])
end
redis.call('SET', KEYS[1], ARGV[3], 'PXAT', ARGV[2])
return 1`;

// ARGV: the hold id, when the pin ends: the later of the hold's expiry and the booking's grace period.
const PIN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[1] then return 0 end
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PXAT', ARGV[2])
end
return 1`;

// ARGV: the hold id. Frees only the slots this hold still owns.
const RELEASE = `
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 1`;

/** EVALSHA's key count and keys: the record, then the slots (their number varies, so it is sent each time). */
function holdKeys(recordKey: string, slotKeys: readonly string[]): string[] {
  return [String(1 + slotKeys.length), recordKey, ...slotKeys];
}

/** The hold store's scripts, as methods of the Redis client (see src/redis/redis-client.ts). */
export const HOLD_SCRIPTS = {
  claimHold: defineScript({
    SCRIPT: CLAIM,
    transformArguments: (recordKey: string, slotKeys: readonly string[], holdId: string, expiresAt: number, record: string) => [
      ...holdKeys(recordKey, slotKeys),
      holdId,
      String(expiresAt),
      record,
    ],
    transformReply: (claimed: number): boolean => claimed === 1,
  }),
  pinHold: defineScript({
    SCRIPT: PIN,
    transformArguments: (recordKey: string, slotKeys: readonly string[], holdId: string, until: number) => [
      ...holdKeys(recordKey, slotKeys),
      holdId,
      String(until),
    ],
    transformReply: (pinned: number): boolean => pinned === 1,
  }),
  releaseHold: defineScript({
    SCRIPT: RELEASE,
    transformArguments: (recordKey: string, slotKeys: readonly string[], holdId: string) => [...holdKeys(recordKey, slotKeys), holdId],
    transformReply: (): void => undefined,
  }),
};
