import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock';
import { SlotRef } from '../scheduling/availability';
import { Hold, HoldDay, HoldStore, PinOutcome, SlotHolder } from './hold-store';

interface Entry {
  value: string;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The embedded hold store of a single process. Each operation runs synchronously from start to end,
 * so, as with the Redis script, no other request can interleave between its check and its write.
 */
@Injectable()
export class MemoryHoldStore extends HoldStore implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();

  constructor(private readonly clock: Clock) {
    super();
  }

  async claim(hold: Hold, mustBeFree: readonly SlotRef[] = []): Promise<boolean> {
    const now = this.clock.nowMs();
    const slotKeys = hold.slotIndexes.map((index) => slotKey(hold, index));
    const guarded = [...slotKeys, ...mustBeFree.map((ref) => slotKey({ providerId: hold.providerId, date: ref.date }, ref.index))];
    if (guarded.some((key) => (this.read(key, now) ?? hold.holdId) !== hold.holdId)) return false;
    for (const key of slotKeys) {
      // A slot this hold owns already keeps its later end (a pin outlasting the hold).
      const ownedUntil = this.liveEntry(key, now)?.expiresAt ?? 0;
      this.entries.set(key, { value: hold.holdId, expiresAt: Math.max(hold.expiresAt, ownedUntil) });
    }
    // The record only marks the hold as live and not yet consumed, as in Redis.
    this.entries.set(recordKey(hold), { value: '', expiresAt: hold.expiresAt });
    return true;
  }

  async holders(day: HoldDay, slotIndexes: readonly number[]): Promise<Map<number, SlotHolder>> {
    const now = this.clock.nowMs();
    const held = new Map<number, SlotHolder>();
    for (const index of slotIndexes) {
      const entry = this.liveEntry(slotKey(day, index), now);
      if (entry) held.set(index, { holdId: entry.value, until: entry.expiresAt });
    }
    return held;
  }

  async pin(hold: Hold, pinMs: number): Promise<PinOutcome> {
    const now = this.clock.nowMs();
    if (this.read(recordKey(hold), now) === undefined) return 'gone';
    const slotKeys = hold.slotIndexes.map((index) => slotKey(hold, index));
    if (slotKeys.some((key) => this.read(key, now) !== hold.holdId)) return 'gone';
    const until = Math.max(hold.expiresAt, now + pinMs);
    for (const key of slotKeys) this.entries.set(key, { value: hold.holdId, expiresAt: until });
    return 'held';
  }

  async consume(hold: Hold): Promise<void> {
    this.entries.delete(recordKey(hold));
  }

  async release(hold: Hold): Promise<void> {
    const now = this.clock.nowMs();
    this.entries.delete(recordKey(hold));
    for (const index of hold.slotIndexes) {
      const key = slotKey(hold, index);
      if (this.read(key, now) === hold.holdId) this.entries.delete(key);
    }
  }

  async ping(): Promise<void> {}

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private read(key: string, now: number): string | undefined {
    return this.liveEntry(key, now)?.value;
  }

  private liveEntry(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.clock.nowMs();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

function slotKey(day: HoldDay, index: number): string {
  return `${day.providerId}:${day.date}:slot:${index}`;
}

function recordKey(hold: Hold): string {
  return `${hold.providerId}:${hold.date}:hold:${hold.holdId}`;
}
