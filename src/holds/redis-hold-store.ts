import { Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import type { RedisClientWith } from '../redis/redis-client';
import { redisCommand } from '../redis/redis-command';
import { HOLD_SCRIPTS } from './hold-scripts';
import { SlotRef } from '../scheduling/availability';
import { Hold, HoldDay, HoldStore, PinOutcome, SlotHolder } from './hold-store';

/** PTTL's answers for a key that does not exist and for one that never expires. */
const KEY_MISSING = -2;
const NO_EXPIRY = -1;

/**
 * Holds in Redis: shared by every server process, claimed by one Lua script per request. Keys live
 * for the hold's remaining time as the app's clock sees it (PX), never until an instant of Redis's clock.
 */
export class RedisHoldStore extends HoldStore {
  private readonly logger = new Logger(RedisHoldStore.name);

  constructor(
    private readonly client: RedisClientWith<typeof HOLD_SCRIPTS>,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {
    super();
  }

  async claim(hold: Hold, mustBeFree: readonly SlotRef[] = []): Promise<boolean> {
    const freeKeys = mustBeFree.map((ref) => this.slotKey({ providerId: hold.providerId, date: ref.date }, ref.index));
    return this.guard(
      this.client.claimHold(this.recordKey(hold), this.slotKeys(hold), freeKeys, hold.holdId, this.msUntil(hold.expiresAt)),
    );
  }

  async holders(day: HoldDay, slotIndexes: readonly number[]): Promise<Map<number, SlotHolder>> {
    const held = new Map<number, SlotHolder>();
    if (slotIndexes.length === 0) return held;
    // Redis counts what is left from when it reads; counted from before the question, the instant errs early.
    const askedAt = this.clock.nowMs();
    const found = await this.guard(this.client.slotHolders(slotIndexes.map((index) => this.slotKey(day, index))));
    slotIndexes.forEach((index, i) => {
      const [holdId, ms] = [found[2 * i], Number(found[2 * i + 1])];
      if (typeof holdId !== 'string' || ms === KEY_MISSING) return;
      held.set(index, { holdId, until: ms === NO_EXPIRY ? Infinity : askedAt + ms });
    });
    return held;
  }

  async pin(hold: Hold, pinMs: number): Promise<PinOutcome> {
    const heldMs = Math.max(this.msUntil(hold.expiresAt), pinMs);
    const pinned = await this.guard(this.client.pinHold(this.recordKey(hold), this.slotKeys(hold), hold.holdId, heldMs));
    return pinned ? 'held' : 'gone';
  }

  async consume(hold: Hold): Promise<void> {
    await this.guard(this.client.del(this.recordKey(hold)));
  }

  async release(hold: Hold): Promise<void> {
    await this.guard(this.client.releaseHold(this.recordKey(hold), this.slotKeys(hold), hold.holdId));
  }

  async ping(): Promise<void> {
    await this.guard(this.client.ping());
  }

  /** How long from now until `instantMs`; at least 1 ms, since Redis refuses a lifetime of 0. */
  private msUntil(instantMs: number): number {
    return Math.max(1, instantMs - this.clock.nowMs());
  }

  /**
   * Every key of one provider-day shares this hash tag. A claim's buffer slots on the adjacent dates
   * carry theirs, so that claim spans tags: fine on the single Redis (or one primary) we support; a
   * Redis Cluster would need the buffer checked apart (CROSSSLOT).
   */
  private dayTag(day: HoldDay): string {
    return `${this.prefix}{p${day.providerId}:${day.date}}`;
  }

  private slotKey(day: HoldDay, index: number): string {
    return `${this.dayTag(day)}:slot:${index}`;
  }

  private slotKeys(hold: Hold): string[] {
    return hold.slotIndexes.map((index) => this.slotKey(hold, index));
  }

  private recordKey(hold: Hold): string {
    return `${this.dayTag(hold)}:hold:${hold.holdId}`;
  }

  /** A Redis that does not answer must never read as "free": fail closed with 503. */
  private guard<T>(command: Promise<T>): Promise<T> {
    return redisCommand(command, this.logger, 'The hold store did not answer; nothing was changed');
  }
}
