import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { AppError } from '../common/app-error';
import { Hold, HoldDay, HoldStore, PinOutcome } from './hold-store';
import { withTimeout } from '../common/timeout';

const COMMAND_TIMEOUT_MS = 2000;

// KEYS[1] is the hold record, KEYS[2..] its slots. All carry the same {provider:date} hash tag,
// so each script touches a single Redis Cluster slot.
const CLAIM = `
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PXAT', ARGV[2])
end
redis.call('SET', KEYS[1], ARGV[3], 'PXAT', ARGV[2])
return 1`;

// ARGV[2] is when the pin ends: the later of the hold's expiry and the booking's grace period.
const PIN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[1] then return 0 end
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PXAT', ARGV[2])
end
return 1`;

const RELEASE = `
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 1`;

class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

const SCRIPTS = { claim: new Script(CLAIM), pin: new Script(PIN), release: new Script(RELEASE) };

/** Holds in Redis: shared by every server process, claimed by one Lua script per request. */
export class RedisHoldStore extends HoldStore implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisHoldStore.name);

  constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
  ) {
    super();
  }

  async claim(hold: Hold): Promise<boolean> {
    const keys = [this.recordKey(hold), ...hold.slotIndexes.map((index) => this.slotKey(hold, index))];
    const claimed = await this.run(SCRIPTS.claim, keys, [hold.holdId, String(hold.expiresAt), JSON.stringify(hold)]);
    return claimed === 1;
  }

  async heldSlots(day: HoldDay, slotIndexes: readonly number[]): Promise<Set<number>> {
    if (slotIndexes.length === 0) return new Set();
    const values = await this.guard(this.client.mGet(slotIndexes.map((index) => this.slotKey(day, index))));
    return new Set(slotIndexes.filter((_, i) => values[i] !== null));
  }

  async pin(hold: Hold, pinMs: number): Promise<PinOutcome> {
    const keys = [this.recordKey(hold), ...hold.slotIndexes.map((index) => this.slotKey(hold, index))];
    const until = Math.max(hold.expiresAt, Date.now() + pinMs);
    return (await this.run(SCRIPTS.pin, keys, [hold.holdId, String(until)])) === 1 ? 'held' : 'gone';
  }

  async consume(hold: Hold): Promise<void> {
    await this.guard(this.client.del(this.recordKey(hold)));
  }

  async release(hold: Hold): Promise<void> {
    const keys = [this.recordKey(hold), ...hold.slotIndexes.map((index) => this.slotKey(hold, index))];
    await this.run(SCRIPTS.release, keys, [hold.holdId]);
  }

  async ping(): Promise<void> {
    await this.guard(this.client.ping());
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client.isOpen) return;
    // QUIT waits for Redis's answer, for ever while Redis is away; disconnecting also ends the reconnection attempts.
    const closing: Promise<unknown> = this.client.isReady ? this.client.quit() : this.client.disconnect();
    await withTimeout(closing, COMMAND_TIMEOUT_MS).catch(() => this.client.disconnect().catch(() => undefined));
  }

  private dayTag(day: HoldDay): string {
    return `${this.prefix}{p${day.providerId}:${day.date}}`;
  }

  private slotKey(day: HoldDay, index: number): string {
    return `${this.dayTag(day)}:slot:${index}`;
  }

  private recordKey(hold: Hold): string {
    return `${this.dayTag(hold)}:hold:${hold.holdId}`;
  }

  /** EVALSHA, loading the script on first use (or after a Redis restart flushed the script cache). */
  private async run(script: Script, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.guard(this.client.sendCommand(['EVALSHA', script.sha, ...tail]));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.guard(this.client.sendCommand(['EVAL', script.source, ...tail]));
    }
  }

  /** A Redis that does not answer must never read as "free": fail closed with 503. */
  private async guard<T>(command: Promise<T>): Promise<T> {
    try {
      return await withTimeout(command, COMMAND_TIMEOUT_MS);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) throw error;
      this.logger.warn(`Redis did not answer: ${error instanceof Error ? error.message : String(error)}`);
      throw new AppError('UNAVAILABLE', 'The hold store did not answer; nothing was changed');
    }
  }
}
