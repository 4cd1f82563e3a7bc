import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createClient, type RedisClientOptions } from 'redis';
import { freePort } from '../../test/support/free-port';
import { letRedisTimePass } from '../../test/support/redis-time';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import type { RedisClientWith } from '../redis/redis-client';
import { HOLD_SCRIPTS } from './hold-scripts';
import { Hold, HoldDay, HoldStore } from './hold-store';
import { MemoryHoldStore } from './memory-hold-store';
import { RedisHoldStore } from './redis-hold-store';

/** A clock that stands still until the test moves it. */
class FakeClock extends Clock {
  private current = Date.parse('2030-01-07T08:00:00Z');

  override now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

/** How the contract reaches one implementation: a fresh store, its "now", and a way to let time pass. */
interface ContractTarget {
  makeStore(): HoldStore;
  destroyStore?(store: HoldStore): void;
  now(): number;
  passTime(ms: number): Promise<void>;
}

const LONG_MS = 60_000;
// Long enough that a loaded machine's checks fall inside it: the Redis target lets time pass by taking
// it off every key's lifetime (letRedisTimePass), not by a real wait for a short one to lapse.
const SHORT_MS = 20_000;
const LAPSE_MS = 25_000;
const DAY = { providerId: 1, date: '2030-01-07' };
/** Redis counts a lifetime on its own clock: the instant it reports may be this much early, never late. */
const REPORTED_EARLY_MS = 1000;

/** Which of `slotIndexes` are held, leaving out by whom and until when. */
async function heldSlots(store: HoldStore, day: HoldDay, slotIndexes: readonly number[]): Promise<Set<number>> {
  return new Set((await store.holders(day, slotIndexes)).keys());
}

/** The promises of HoldStore, written once and run against every implementation. */
function holdStoreContract(target: ContractTarget): void {
  let sut: HoldStore;

  beforeEach(() => {
    sut = target.makeStore();
  });

  afterEach(() => {
    target.destroyStore?.(sut);
  });

  function holdOf(slotIndexes: number[], options: { ttlMs?: number; providerId?: number; date?: string } = {}): Hold {
    return {
      holdId: randomUUID(),
      providerId: options.providerId ?? DAY.providerId,
      date: options.date ?? DAY.date,
      slotIndexes,
      expiresAt: target.now() + (options.ttlMs ?? LONG_MS),
    };
  }

  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  describe('claim', () => {
    it('claims free slots, and heldSlots reports exactly them', async () => {
      await expect(sut.claim(holdOf([4, 5, 6]))).resolves.toBe(true);

      await expect(heldSlots(sut, DAY, range(0, 10))).resolves.toEqual(new Set([4, 5, 6]));
    });

    it('refuses a claim that overlaps by one slot, and changes nothing', async () => {
      const first = holdOf([1, 2, 3]);
      const second = holdOf([3, 4, 5]);
      await expect(sut.claim(first)).resolves.toBe(true);

      await expect(sut.claim(second)).resolves.toBe(false);

      await expect(heldSlots(sut, DAY, range(0, 6))).resolves.toEqual(new Set([1, 2, 3]));
      await expect(sut.pin(second, LONG_MS)).resolves.toBe('gone');
      await expect(sut.pin(first, LONG_MS)).resolves.toBe('held');
    });

    it('keeps other providers and other dates apart', async () => {
      const other = { providerId: 2, date: DAY.date };
      const nextDay = { providerId: DAY.providerId, date: '2030-01-08' };
      await expect(sut.claim(holdOf([1, 2]))).resolves.toBe(true);

      await expect(sut.claim(holdOf([1, 2], other))).resolves.toBe(true);
      await expect(sut.claim(holdOf([2, 3], nextDay))).resolves.toBe(true);

      await expect(heldSlots(sut, DAY, range(0, 4))).resolves.toEqual(new Set([1, 2]));
      await expect(heldSlots(sut, other, range(0, 4))).resolves.toEqual(new Set([1, 2]));
      await expect(heldSlots(sut, nextDay, range(0, 4))).resolves.toEqual(new Set([2, 3]));
    });

    it('is all-or-nothing: a refused claim holds none of its free slots', async () => {
      await expect(sut.claim(holdOf([3]))).resolves.toBe(true);

      await expect(sut.claim(holdOf([1, 2, 3, 4]))).resolves.toBe(false);

      await expect(heldSlots(sut, DAY, [1, 2, 3, 4])).resolves.toEqual(new Set([3]));
      await expect(sut.claim(holdOf([1, 2, 4]))).resolves.toBe(true);
      await expect(heldSlots(sut, DAY, [1, 2, 3, 4])).resolves.toEqual(new Set([1, 2, 3, 4]));
    });

    it('lets exactly one of each group of overlapping concurrent claims win', async () => {
      // 10 groups of 5 claims. Every claim of group g takes slot 10g (shared by the group) and one slot
      // of its own, so whatever the order, exactly one claim per group wins and groups never collide.
      const groups = 10;
      const perGroup = 5;
      const holds = range(0, groups - 1).flatMap((group) => range(1, perGroup).map((own) => holdOf([group * 10, group * 10 + own])));
      const shuffled = [...holds].sort(() => Math.random() - 0.5);

      const outcomes = await Promise.all(shuffled.map((hold) => sut.claim(hold)));

      const winners = shuffled.filter((_, i) => outcomes[i]);
      const losers = shuffled.filter((_, i) => !outcomes[i]);
      expect(winners).toHaveLength(groups);
      expect(new Set(winners.map((hold) => hold.slotIndexes[0]))).toEqual(new Set(range(0, groups - 1).map((g) => g * 10)));
      const winnerSlots = winners.flatMap((hold) => hold.slotIndexes);
      expect(new Set(winnerSlots).size).toBe(winnerSlots.length);
      await expect(heldSlots(sut, DAY, range(0, groups * 10))).resolves.toEqual(new Set(winnerSlots));
      // Each winner owns all of its slots, and no loser left a hold behind.
      for (const winner of winners) await expect(sut.pin(winner, LONG_MS)).resolves.toBe('held');
      for (const loser of losers) await expect(sut.pin(loser, LONG_MS)).resolves.toBe('gone');
    });
  });

  describe('claim with buffer slots that must be free', () => {
    const NEXT_DAY = { providerId: DAY.providerId, date: '2030-01-08' };

    it('refuses a claim whose buffer slot another hold owns, and changes nothing', async () => {
      await expect(sut.claim(holdOf([10, 11]))).resolves.toBe(true);
      const claim = holdOf([12, 13]);

      await expect(
        sut.claim(claim, [
          { date: DAY.date, index: 11 },
          { date: DAY.date, index: 14 },
        ]),
      ).resolves.toBe(false);

      await expect(heldSlots(sut, DAY, range(9, 15))).resolves.toEqual(new Set([10, 11]));
      await expect(sut.pin(claim, LONG_MS)).resolves.toBe('gone');
    });

    it('takes only its own slots, leaving its buffer slots free for nobody to hold', async () => {
      const claim = holdOf([12, 13]);
      await expect(
        sut.claim(claim, [
          { date: DAY.date, index: 11 },
          { date: DAY.date, index: 14 },
        ]),
      ).resolves.toBe(true);

      await expect(heldSlots(sut, DAY, range(9, 15))).resolves.toEqual(new Set([12, 13]));
      // A later claim whose own buffer reaches the first hold is refused in turn.
      await expect(
        sut.claim(holdOf([15]), [
          { date: DAY.date, index: 14 },
          { date: DAY.date, index: 16 },
        ]),
      ).resolves.toBe(true);
      await expect(
        sut.claim(holdOf([14]), [
          { date: DAY.date, index: 13 },
          { date: DAY.date, index: 15 },
        ]),
      ).resolves.toBe(false);
    });

    it('guards buffer slots on the next date (a buffer across midnight)', async () => {
      await expect(sut.claim(holdOf([0], NEXT_DAY))).resolves.toBe(true);

      await expect(
        sut.claim(holdOf([95]), [
          { date: DAY.date, index: 94 },
          { date: NEXT_DAY.date, index: 0 },
        ]),
      ).resolves.toBe(false);
      await expect(
        sut.claim(holdOf([94]), [
          { date: DAY.date, index: 93 },
          { date: DAY.date, index: 95 },
        ]),
      ).resolves.toBe(true);
    });

    it('is not kept from its buffer by a hold that lapsed', async () => {
      await expect(sut.claim(holdOf([11], { ttlMs: SHORT_MS }))).resolves.toBe(true);
      await target.passTime(LAPSE_MS);

      await expect(sut.claim(holdOf([12]), [{ date: DAY.date, index: 11 }])).resolves.toBe(true);
    });

    it('counts slots and buffer slots its own hold id owns as free (moving onto overlapping times)', async () => {
      const holdId = randomUUID();
      const first = { ...holdOf([20, 21]), holdId };
      await expect(sut.claim(first)).resolves.toBe(true);

      const moved = { ...holdOf([21, 22]), holdId };
      await expect(
        sut.claim(moved, [
          { date: DAY.date, index: 20 },
          { date: DAY.date, index: 23 },
        ]),
      ).resolves.toBe(true);

      await expect(heldSlots(sut, DAY, range(19, 24))).resolves.toEqual(new Set([20, 21, 22]));
      await expect(sut.claim(holdOf([21]))).resolves.toBe(false);
    });

    it('keeps the longer lifetime of a slot its own hold id already held', async () => {
      const holdId = randomUUID();
      const long = { ...holdOf([30], { ttlMs: LONG_MS }), holdId };
      await expect(sut.claim(long)).resolves.toBe(true);

      await expect(sut.claim({ ...holdOf([30, 31], { ttlMs: SHORT_MS }), holdId })).resolves.toBe(true);

      await target.passTime(LAPSE_MS);
      await expect(heldSlots(sut, DAY, [30, 31])).resolves.toEqual(new Set([30]));
    });

    it('lets no two of many concurrent claims sit inside each other’s buffers', async () => {
      // 30 claims of one slot each among slots 0..19, each keeping the slot either side free.
      const claims = range(0, 29).map((i) => holdOf([(i * 7) % 20]));
      const outcomes = await Promise.all(
        claims.map((hold) => {
          const [index] = hold.slotIndexes;
          return sut.claim(
            hold,
            [index - 1, index + 1].filter((each) => each >= 0).map((each) => ({ date: DAY.date, index: each })),
          );
        }),
      );

      const won = claims
        .filter((_, i) => outcomes[i])
        .map((hold) => hold.slotIndexes[0])
        .sort((a, b) => a - b);
      expect(won.length).toBeGreaterThan(0);
      for (let i = 1; i < won.length; i++) expect(won[i] - won[i - 1]).toBeGreaterThanOrEqual(2);
      await expect(heldSlots(sut, DAY, range(0, 19))).resolves.toEqual(new Set(won));
    });
  });

  describe('holders', () => {
    it('answers an empty map for an empty list', async () => {
      await expect(sut.claim(holdOf([1]))).resolves.toBe(true);

      await expect(sut.holders(DAY, [])).resolves.toEqual(new Map());
    });

    it('reports the hold id and lapse of each held slot, and nothing for free or lapsed ones', async () => {
      const first = holdOf([1, 2]);
      const lapsing = holdOf([4], { ttlMs: SHORT_MS });
      await expect(sut.claim(first)).resolves.toBe(true);
      await expect(sut.claim(lapsing)).resolves.toBe(true);

      const held = await sut.holders(DAY, range(0, 5));
      expect([...held.keys()].sort((a, b) => a - b)).toEqual([1, 2, 4]);
      expect(held.get(1)?.holdId).toBe(first.holdId);
      expect(held.get(4)?.holdId).toBe(lapsing.holdId);
      expect(held.get(2)?.until).toBeLessThanOrEqual(first.expiresAt);
      expect(held.get(2)?.until).toBeGreaterThan(first.expiresAt - REPORTED_EARLY_MS);

      await target.passTime(LAPSE_MS);
      await expect(sut.holders(DAY, range(0, 5)).then((map) => [...map.keys()].sort((a, b) => a - b))).resolves.toEqual([1, 2]);
    });
  });

  describe('expiry', () => {
    it('frees the slots when the hold lapses, and a new claim takes them', async () => {
      await expect(sut.claim(holdOf([7, 8], { ttlMs: SHORT_MS }))).resolves.toBe(true);
      await expect(heldSlots(sut, DAY, [7, 8])).resolves.toEqual(new Set([7, 8]));

      await target.passTime(LAPSE_MS);

      await expect(heldSlots(sut, DAY, [7, 8])).resolves.toEqual(new Set());
      await expect(sut.claim(holdOf([8, 9]))).resolves.toBe(true);
      await expect(heldSlots(sut, DAY, [7, 8, 9])).resolves.toEqual(new Set([8, 9]));
    });
  });

  describe('pin and consume', () => {
    it("answers 'held' for a live hold and pins its slots beyond the hold's own expiry", async () => {
      const hold = holdOf([1, 2], { ttlMs: SHORT_MS });
      await expect(sut.claim(hold)).resolves.toBe(true);

      await expect(sut.pin(hold, LONG_MS)).resolves.toBe('held');

      await target.passTime(LAPSE_MS);
      await expect(heldSlots(sut, DAY, [1, 2])).resolves.toEqual(new Set([1, 2]));
      await expect(sut.claim(holdOf([2, 3]))).resolves.toBe(false);
    });

    it('never shortens a hold: a short pin of a long hold keeps the hold', async () => {
      const hold = holdOf([1, 2]);
      await expect(sut.claim(hold)).resolves.toBe(true);

      await expect(sut.pin(hold, SHORT_MS)).resolves.toBe('held');

      await target.passTime(LAPSE_MS);
      await expect(heldSlots(sut, DAY, [1, 2])).resolves.toEqual(new Set([1, 2]));
      await expect(sut.pin(hold, LONG_MS)).resolves.toBe('held');
    });

    it('keeps the slots pinned only for pinMs past a short hold', async () => {
      const hold = holdOf([1, 2], { ttlMs: SHORT_MS });
      await expect(sut.claim(hold)).resolves.toBe(true);

      await expect(sut.pin(hold, SHORT_MS)).resolves.toBe('held');

      await target.passTime(LAPSE_MS);
      await expect(heldSlots(sut, DAY, [1, 2])).resolves.toEqual(new Set());
      await expect(sut.claim(holdOf([1, 2]))).resolves.toBe(true);
    });

    it("pins again (a retry after a failed booking), and after consume answers 'gone' with the slots still pinned", async () => {
      const hold = holdOf([1, 2]);
      await expect(sut.claim(hold)).resolves.toBe(true);
      await expect(sut.pin(hold, LONG_MS)).resolves.toBe('held');
      await expect(sut.pin(hold, LONG_MS)).resolves.toBe('held');

      await expect(sut.consume(hold)).resolves.toBeUndefined();

      await expect(sut.pin(hold, LONG_MS)).resolves.toBe('gone');
      await expect(heldSlots(sut, DAY, [1, 2])).resolves.toEqual(new Set([1, 2]));
      await expect(sut.claim(holdOf([2]))).resolves.toBe(false);
    });

    it("answers 'gone' after the hold lapsed", async () => {
      const hold = holdOf([1, 2], { ttlMs: SHORT_MS });
      await expect(sut.claim(hold)).resolves.toBe(true);
      await target.passTime(LAPSE_MS);

      await expect(sut.pin(hold, LONG_MS)).resolves.toBe('gone');

      await expect(heldSlots(sut, DAY, [1, 2])).resolves.toEqual(new Set());
    });

    it("answers 'gone' after the hold was released", async () => {
      const hold = holdOf([1, 2]);
      await expect(sut.claim(hold)).resolves.toBe(true);
      await expect(sut.release(hold)).resolves.toBeUndefined();

      await expect(sut.pin(hold, LONG_MS)).resolves.toBe('gone');

      await expect(heldSlots(sut, DAY, [1, 2])).resolves.toEqual(new Set());
    });
  });

  describe('release', () => {
    it('frees the slots of a live hold', async () => {
      const hold = holdOf([1, 2]);
      await expect(sut.claim(hold)).resolves.toBe(true);

      await expect(sut.release(hold)).resolves.toBeUndefined();

      await expect(heldSlots(sut, DAY, [1, 2])).resolves.toEqual(new Set());
      await expect(sut.claim(holdOf([1, 2]))).resolves.toBe(true);
    });

    it('does not free slots that a lapsed hold lost to another hold', async () => {
      const lapsed = holdOf([1, 2], { ttlMs: SHORT_MS });
      await expect(sut.claim(lapsed)).resolves.toBe(true);
      await target.passTime(LAPSE_MS);
      const successor = holdOf([2, 3]);
      await expect(sut.claim(successor)).resolves.toBe(true);

      await expect(sut.release(lapsed)).resolves.toBeUndefined();

      await expect(heldSlots(sut, DAY, [1, 2, 3])).resolves.toEqual(new Set([2, 3]));
      await expect(sut.pin(successor, LONG_MS)).resolves.toBe('held');
    });

    it('does not free slots of another live hold, even when asked to', async () => {
      const mine = holdOf([1, 2]);
      const theirs = holdOf([3]);
      await expect(sut.claim(mine)).resolves.toBe(true);
      await expect(sut.claim(theirs)).resolves.toBe(true);

      await expect(sut.release({ ...mine, slotIndexes: [1, 2, 3] })).resolves.toBeUndefined();

      await expect(heldSlots(sut, DAY, [1, 2, 3])).resolves.toEqual(new Set([3]));
      await expect(sut.pin(theirs, LONG_MS)).resolves.toBe('held');
    });

    it('is idempotent', async () => {
      const hold = holdOf([1, 2]);
      const bystander = holdOf([5]);
      await expect(sut.claim(hold)).resolves.toBe(true);
      await expect(sut.claim(bystander)).resolves.toBe(true);

      await expect(sut.release(hold)).resolves.toBeUndefined();
      await expect(sut.release(hold)).resolves.toBeUndefined();

      await expect(heldSlots(sut, DAY, [1, 2, 5])).resolves.toEqual(new Set([5]));
      const next = holdOf([1, 2]);
      await expect(sut.claim(next)).resolves.toBe(true);
      await expect(sut.release(hold)).resolves.toBeUndefined();
      await expect(heldSlots(sut, DAY, [1, 2, 5])).resolves.toEqual(new Set([1, 2, 5]));
      await expect(sut.pin(next, LONG_MS)).resolves.toBe('held');
    });
  });

  describe('holders: until when', () => {
    /** The instants `holders` reports for `slotIndexes`, each checked to lie just before (or at) `expected`. */
    async function expectHeldUntil(slotIndexes: number[], expected: Record<number, number>): Promise<void> {
      const held = await sut.holders(DAY, slotIndexes);
      expect([...held.keys()].sort((a, b) => a - b)).toEqual(Object.keys(expected).map(Number));
      for (const [index, until] of Object.entries(expected)) {
        expect(held.get(Number(index))?.until).toBeLessThanOrEqual(until);
        expect(held.get(Number(index))?.until).toBeGreaterThan(until - REPORTED_EARLY_MS);
      }
    }

    it("reports each held slot with its hold's lapse, and nothing for free slots", async () => {
      const first = holdOf([1, 2]);
      const second = holdOf([4], { ttlMs: 2 * LONG_MS });
      await expect(sut.claim(first)).resolves.toBe(true);
      await expect(sut.claim(second)).resolves.toBe(true);

      await expectHeldUntil(range(0, 5), { 1: first.expiresAt, 2: first.expiresAt, 4: second.expiresAt });
    });

    it('reports the end of a pin that outlasts its hold, and nothing once a release or a lapse freed the slots', async () => {
      const pinned = holdOf([1, 2], { ttlMs: SHORT_MS });
      const released = holdOf([3]);
      const lapsing = holdOf([4], { ttlMs: SHORT_MS });
      for (const hold of [pinned, released, lapsing]) await expect(sut.claim(hold)).resolves.toBe(true);
      const pinEnd = target.now() + LONG_MS;
      await expect(sut.pin(pinned, LONG_MS)).resolves.toBe('held');
      await expect(sut.release(released)).resolves.toBeUndefined();

      await expectHeldUntil(range(1, 4), { 1: pinEnd, 2: pinEnd, 4: lapsing.expiresAt });
      await target.passTime(LAPSE_MS);
      await expectHeldUntil(range(1, 4), { 1: pinEnd, 2: pinEnd });
    });
  });

  describe('ping', () => {
    it('resolves', async () => {
      await expect(sut.ping()).resolves.toBeUndefined();
    });
  });
}

describe(`${MemoryHoldStore.name} contract`, () => {
  let clock: FakeClock;

  holdStoreContract({
    makeStore: () => {
      clock = new FakeClock();
      return new MemoryHoldStore(clock);
    },
    destroyStore: (store) => (store as MemoryHoldStore).onModuleDestroy(),
    now: () => clock.nowMs(),
    passTime: async (ms) => clock.advance(ms),
  });
});

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;

describeRedis(redisUrl ? `${RedisHoldStore.name} contract` : `${RedisHoldStore.name} contract (skipped: set REDIS_URL to run it)`, () => {
  const runPrefix = `test:${randomUUID()}:`;
  type Client = RedisClientWith<typeof HOLD_SCRIPTS>;
  const connect = (url: string, socket?: RedisClientOptions['socket']): Client => createClient({ url, scripts: HOLD_SCRIPTS, socket });
  let client: Client;
  let stores = 0;

  beforeAll(async () => {
    client = connect(redisUrl!);
    await client.connect();
  });

  afterAll(async () => {
    if (!client?.isOpen) return;
    const keys = await keysUnder(runPrefix);
    if (keys.length > 0) await client.del(keys);
    await client.quit();
  });

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  async function keysUnder(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(key);
    return keys;
  }

  // Each test gets its own prefix under the run's prefix, so no test sees another's keys. The app's
  // clock reads 2030 while Redis lives in the present: a lifetime given as an instant of the app's
  // clock (PXAT) would outlast every test, a relative one (PX) lapses when the test lets time pass.
  let clock: FakeClock;
  let storePrefix: string;
  holdStoreContract({
    makeStore: () => {
      clock = new FakeClock();
      storePrefix = `${runPrefix}${++stores}:`;
      return new RedisHoldStore(client, storePrefix, clock);
    },
    now: () => clock.nowMs(),
    passTime: async (ms) => {
      await letRedisTimePass(client, await keysUnder(storePrefix), ms);
      clock.advance(ms);
    },
  });

  it('lets a hold lapse on Redis’s own clock', async () => {
    const fixed = new FakeClock();
    const sut = new RedisHoldStore(client, `${runPrefix}${++stores}:`, fixed);
    await expect(sut.claim({ ...DAY, holdId: randomUUID(), slotIndexes: [1, 2], expiresAt: fixed.nowMs() + 200 })).resolves.toBe(true);

    // The app's clock stands still: only Redis's can end it. A generous deadline, as a loaded machine is slow.
    for (const deadline = Date.now() + 10_000; (await heldSlots(sut, DAY, [1, 2])).size > 0; await sleep(50)) {
      if (Date.now() > deadline) throw new Error('the hold did not lapse');
    }
    await expect(sut.claim({ ...DAY, holdId: randomUUID(), slotIndexes: [2, 3], expiresAt: fixed.nowMs() + LONG_MS })).resolves.toBe(true);
  });

  describe('what a hold leaves in Redis', () => {
    let prefix: string;
    let sut: RedisHoldStore;

    beforeEach(() => {
      clock = new FakeClock();
      prefix = `${runPrefix}${++stores}:`;
      sut = new RedisHoldStore(client, prefix, clock);
    });

    it("keeps every key for the hold's remaining time, however far the app's clock is from Redis's", async () => {
      await expect(sut.claim({ ...DAY, holdId: randomUUID(), slotIndexes: [1, 2], expiresAt: clock.nowMs() + LONG_MS })).resolves.toBe(
        true,
      );

      const keys = await keysUnder(prefix);
      expect(keys).toHaveLength(3);
      for (const key of keys) {
        const ttl = await client.pTTL(key);
        expect(ttl).toBeGreaterThan(LONG_MS - 5_000);
        expect(ttl).toBeLessThanOrEqual(LONG_MS);
      }
    });

    it('names the hold on its slots and stores nothing else: confirmation reads the hold from its appointment', async () => {
      const holdId = randomUUID();
      await expect(sut.claim({ ...DAY, holdId, slotIndexes: [1, 2], expiresAt: clock.nowMs() + LONG_MS })).resolves.toBe(true);

      const values = await client.mGet(await keysUnder(prefix));

      expect(values.sort()).toEqual(['', holdId, holdId]);
    });
  });

  describe('script cache', () => {
    it('still claims, consumes and releases after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
      const fixed = new FakeClock();
      const sut = new RedisHoldStore(client, `${runPrefix}flush:`, fixed);
      const day = DAY;
      const hold: Hold = { ...day, holdId: randomUUID(), slotIndexes: [1, 2], expiresAt: fixed.nowMs() + LONG_MS };
      const other: Hold = { ...day, holdId: randomUUID(), slotIndexes: [3], expiresAt: fixed.nowMs() + LONG_MS };

      await client.scriptFlush();
      await expect(sut.claim(hold)).resolves.toBe(true);
      await client.scriptFlush();
      await expect(sut.claim({ ...hold, holdId: randomUUID() })).resolves.toBe(false);
      await client.scriptFlush();
      await expect(sut.pin(hold, LONG_MS)).resolves.toBe('held');
      await expect(sut.claim(other)).resolves.toBe(true);
      await client.scriptFlush();
      await expect(sut.release(other)).resolves.toBeUndefined();

      await expect(heldSlots(sut, day, [1, 2, 3])).resolves.toEqual(new Set([1, 2]));
    });
  });

  describe('when Redis does not answer', () => {
    const fixed = new FakeClock();
    const hold: Hold = { ...DAY, holdId: 'h', slotIndexes: [1], expiresAt: fixed.nowMs() + LONG_MS };
    const operations: [string, (store: HoldStore) => Promise<unknown>][] = [
      ['claim', (store) => store.claim(hold)],
      ['holders', (store) => store.holders(DAY, [1])],
      ['pin', (store) => store.pin(hold, LONG_MS)],
      ['consume', (store) => store.consume(hold)],
      ['release', (store) => store.release(hold)],
      ['ping', (store) => store.ping()],
    ];

    beforeAll(() => {
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });

    afterAll(() => {
      jest.restoreAllMocks();
    });

    describe('with a closed client', () => {
      let closed: Client;
      let sut: RedisHoldStore;

      beforeAll(async () => {
        closed = connect(redisUrl!);
        await closed.connect();
        await closed.disconnect();
        sut = new RedisHoldStore(closed, `${runPrefix}closed:`, fixed);
      });

      it.each(operations)(
        '%s rejects with UNAVAILABLE',
        async (_, operation) => {
          const outcome = operation(sut);

          await expect(outcome).rejects.toBeInstanceOf(AppError);
          await expect(outcome).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503 });
        },
        3000,
      );
    });

    describe('with a client still trying to reach a closed port (commands wait in the offline queue)', () => {
      let unreachable: Client;
      let sut: RedisHoldStore;

      beforeAll(async () => {
        // Free a moment ago, so nothing listens on it.
        const port = await freePort();
        unreachable = connect(`redis://127.0.0.1:${port}`, { reconnectStrategy: () => 50 });
        unreachable.on('error', () => undefined);
        unreachable.connect().catch(() => undefined);
        sut = new RedisHoldStore(unreachable, `${runPrefix}unreachable:`, fixed);
      });

      afterAll(async () => {
        if (unreachable.isOpen) await unreachable.disconnect().catch(() => undefined);
      });

      it.each(operations)(
        '%s rejects with UNAVAILABLE within the command timeout',
        async (_, operation) => {
          const outcome = operation(sut);

          await expect(outcome).rejects.toBeInstanceOf(AppError);
          await expect(outcome).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503 });
        },
        3000,
      );
    });
  });
});
