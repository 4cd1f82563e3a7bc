import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createClient, type RedisClientOptions } from 'redis';
import { freePort } from '../../test/support/free-port';
import { fakeOnly } from '../../test/support/fake-timers';
import { MemoryLeaseCounter } from '../../test/support/fakes/memory-lease-counter';
import { letRedisTimePass } from '../../test/support/redis-time';
import type { RedisClientWith } from '../redis/redis-client';
import { LeasedRateLimiter, LeaseCounter, RedisLeaseCounter } from './leased-rate-limiter';
import { BUSY_LEASE_MS, leaseGrant, MAX_LEASE, QUIET_LEASE_MS } from './rate-limit-leases';
import { RATE_LIMIT_SCRIPTS } from './rate-limit-scripts';
import { Verdict } from './rate-limiter';

const WINDOW_MS = 60_000;
const KEY = 'requests:provider:1';

/** A monotonic clock that stands still until the test moves it. */
class ManualClock {
  ms = 1_000;
  readonly now = (): number => this.ms;
}

const settle = (verdict: Verdict | Promise<Verdict>): Promise<Verdict> => Promise.resolve(verdict);
const admittedOf = (verdicts: Verdict[]) => verdicts.filter((verdict) => verdict.admitted).length;

/** A seeded generator (mulberry32), so a failing interleaving can be replayed. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Holds every call to the counter at two points (reaching it, its answer coming back) until the test lets one go. */
class Network {
  private readonly held: Array<() => void> = [];

  readonly gate = {
    arrive: () => this.hold(),
    answer: () => this.hold(),
  };

  get size(): number {
    return this.held.length;
  }

  /** Lets the `index`-th held step go on. */
  release(index: number): void {
    const [next] = this.held.splice(index, 1);
    next();
  }

  private hold(): Promise<void> {
    return new Promise((resolve) => this.held.push(resolve));
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** On fake timeouts: `verdict` still waits at 499 ms and has settled at 500 ms, the limiter's deadline. */
async function expectSettledAtTheDeadline(verdict: Promise<unknown>): Promise<void> {
  await jest.advanceTimersByTimeAsync(499);
  await expect(settledYet(verdict)).resolves.toBe(false);
  await jest.advanceTimersByTimeAsync(1);
  await expect(settledYet(verdict)).resolves.toBe(true);
}

/** Whether `promise` has settled, once the turns it was waiting on have run. */
async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await turn();
  return settled;
}

describe(LeasedRateLimiter.name, () => {
  let clock: ManualClock;
  let counter: MemoryLeaseCounter;
  let sut: LeasedRateLimiter;

  beforeEach(() => {
    clock = new ManualClock();
    counter = new MemoryLeaseCounter(clock.now);
    sut = new LeasedRateLimiter(counter, WINDOW_MS, clock.now);
  });

  async function hits(count: number, limit: number, limiter = sut, key = KEY): Promise<Verdict[]> {
    const verdicts: Verdict[] = [];
    for (let i = 0; i < count; i++) verdicts.push(await settle(limiter.hit(key, limit)));
    return verdicts;
  }

  describe('leases', () => {
    it('takes one hit first, then leases twice as large while the key is busy, spent without asking again', async () => {
      const verdicts = await hits(100, 10_000);

      expect(admittedOf(verdicts)).toBe(100);
      expect(counter.taken.map((take) => take.granted)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    });

    it('answers from a lease in hand at once, without a promise', async () => {
      await hits(2, 10_000);

      const verdict = sut.hit(KEY, 10_000);

      expect(verdict).not.toBeInstanceOf(Promise);
      expect(verdict).toMatchObject({ admitted: true, limit: 10_000 });
    });

    it('asks for as much again while a lease lasts between 0.1 and 1 s, and for a single hit once the key is quiet', async () => {
      await hits(7, 10_000);
      clock.ms += BUSY_LEASE_MS;
      await hits(4, 10_000);
      clock.ms += QUIET_LEASE_MS;
      await hits(2, 10_000);

      expect(counter.taken.map((take) => take.want)).toEqual([1, 2, 4, 4, 1, 2]);
    });

    it('never asks for more than MAX_LEASE', async () => {
      await hits(5000, 1_000_000);

      expect(Math.max(...counter.taken.map((take) => take.want))).toBe(MAX_LEASE);
    });

    it('shrinks leases near the limit, so the last hits are taken one by one', async () => {
      const verdicts = await hits(44, 40);

      expect(verdicts.map((verdict) => verdict.admitted)).toEqual([...Array(40).fill(true), ...Array(4).fill(false)]);
      const grants = counter.taken.map((take) => take.granted);
      expect(grants.reduce((sum, granted) => sum + granted, 0)).toBe(40);
      expect(grants.slice(-4)).toEqual([1, 1, 1, 0]);
    });

    it('says what is left: the limit less what was handed out, plus what it holds', async () => {
      const verdicts = await hits(4, 100);

      // Leases of 1, 2 (one spent at once), 4: 7 handed out, 4 hits taken, 3 held.
      expect(verdicts.map((verdict) => verdict.remaining)).toEqual([99, 98, 97, 96]);
      expect(verdicts.every((verdict) => verdict.resetSeconds === 60)).toBe(true);
    });
  });

  describe('windows', () => {
    it('refuses past the limit with the time left in the window, without asking again until it ends', async () => {
      await hits(3, 3);
      clock.ms += 15_500;

      const refused = await hits(5, 3);

      expect(refused).toEqual(Array(5).fill({ admitted: false, limit: 3, remaining: 0, resetSeconds: 45 }));
      expect(counter.taken).toHaveLength(4);
    });

    it('starts a new window once the last one has ended', async () => {
      await hits(4, 3);
      clock.ms += WINDOW_MS;

      await expect(settle(sut.hit(KEY, 3))).resolves.toMatchObject({ admitted: true, remaining: 2, resetSeconds: 60 });
    });

    it('lets hits left of a lease lapse with their window', async () => {
      await hits(4, 10_000); // leases of 1, 2 and 4: 3 of the last held
      clock.ms += WINDOW_MS;

      await hits(1, 10_000);

      expect(counter.taken).toHaveLength(4);
      expect(counter.taken[3].at).toBe(clock.ms);
      expect(counter.windowStartOf(KEY, WINDOW_MS)).toBe(clock.ms);
    });

    it('counts each key on its own', async () => {
      await hits(3, 3);

      await expect(settle(sut.hit('requests:ip:1', 3))).resolves.toMatchObject({ admitted: true });
      await expect(settle(sut.hit(KEY, 3))).resolves.toMatchObject({ admitted: false });
    });

    it('forgets keys whose window has ended', async () => {
      for (let i = 0; i < 50; i++) await hits(1, 10, sut, `requests:ip:${i}`);
      expect(sut.size).toBe(50);
      clock.ms += WINDOW_MS;

      await hits(1, 10);

      expect(sut.size).toBe(1);
    });

    it('keeps a bounded number of keys however many addresses call within one window, still refusing an exhausted key', async () => {
      await hits(3, 3);
      for (let i = 0; i < 100_000; i++) await settle(sut.hit(`refused:ip:2001:db8::${i.toString(16)}`, 6));

      expect(sut.size).toBeLessThanOrEqual(10_000);
      await expect(settle(sut.hit(KEY, 3))).resolves.toMatchObject({ admitted: false });
    });
  });

  describe('hits waiting for a lease', () => {
    it('share one call to the counter, and ask again for as many as still wait', async () => {
      const network = new Network();
      counter = new MemoryLeaseCounter(clock.now, network.gate);
      sut = new LeasedRateLimiter(counter, WINDOW_MS, clock.now);

      const verdicts = Promise.all(Array.from({ length: 10 }, () => settle(sut.hit(KEY, 10_000))));
      while (network.size > 0 || counter.taken.length < 2) {
        if (network.size > 0) network.release(0);
        await turn();
      }

      await expect(verdicts).resolves.toHaveLength(10);
      expect(admittedOf(await verdicts)).toBe(10);
      expect(counter.taken.map((take) => take.want)).toEqual([1, 9]);
    });
  });

  describe('several processes sharing one counter', () => {
    it.each([
      [2, 40],
      [2, 20],
      [2, 2],
      [2, 1],
      [3, 40],
      [3, 100],
      [4, 7],
    ])('taking turns, %i processes admit exactly the first %i hits, then refuse', async (processCount, limit) => {
      const processes = Array.from({ length: processCount }, () => new LeasedRateLimiter(counter, WINDOW_MS, clock.now));
      const verdicts: Verdict[] = [];
      for (let i = 0; i < limit + 6; i++) verdicts.push(await settle(processes[i % processCount].hit(KEY, limit)));

      expect(verdicts.map((verdict) => verdict.admitted)).toEqual([...Array(limit).fill(true), ...Array(6).fill(false)]);
    });

    it('never admit more than the limit in a window, however their calls interleave', async () => {
      const windowMs = 1_000;
      for (let seed = 1; seed <= 150; seed++) {
        const random = randomFrom(seed);
        const network = new Network();
        counter = new MemoryLeaseCounter(clock.now, network.gate);
        const processes = Array.from({ length: 2 + Math.floor(random() * 4) }, () => new LeasedRateLimiter(counter, windowMs, clock.now));
        const limit = [1, 2, 5, 13, 40, 100][Math.floor(random() * 6)];
        const admittedAt: number[] = [];
        const windowStarts = new Set<number>();
        let refused = 0;
        let inFlight = 0;

        for (let step = 0; step < 600 || inFlight > 0 || network.size > 0; step++) {
          const choice = random();
          if (step < 600 && choice < 0.5) {
            inFlight += 1;
            void settle(processes[Math.floor(random() * processes.length)].hit(KEY, limit)).then((verdict) => {
              inFlight -= 1;
              if (verdict.admitted) admittedAt.push(clock.ms);
              else refused += 1;
            });
          } else if (network.size > 0 && (choice < 0.9 || step >= 600)) {
            network.release(Math.floor(random() * network.size));
          } else if (step < 600) {
            clock.ms += Math.floor(random() * 40);
          }
          const start = counter.windowStartOf(KEY, windowMs);
          if (start !== undefined) windowStarts.add(start);
          await turn();
        }

        for (const start of windowStarts) {
          const inWindow = admittedAt.filter((at) => at >= start && at < start + windowMs).length;
          if (inWindow > limit) throw new Error(`seed ${seed}: ${inWindow} admitted in the window from ${start}, limit ${limit}`);
        }
        expect(admittedAt.length + refused).toBeGreaterThan(0);
      }
    });
  });

  describe('when the counter does not answer', () => {
    let warnings: jest.SpyInstance;

    beforeEach(() => {
      warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });

    afterEach(() => {
      jest.useRealTimers();
      jest.restoreAllMocks();
    });

    it('lets the hit through at once on an error, and says so in the log', async () => {
      const failing: LeaseCounter = { take: () => Promise.reject(new Error('The client is closed')) };
      sut = new LeasedRateLimiter(failing, WINDOW_MS, clock.now);

      await expect(settle(sut.hit(KEY, 3))).resolves.toEqual({ admitted: true, limit: 3, remaining: 3, resetSeconds: 60 });
      expect(warnings).toHaveBeenCalledWith(expect.stringContaining('Rate limit not counted'));
    });

    it('lets the hit through at 500 ms when the counter stalls', async () => {
      fakeOnly('timeouts');
      const stalled: LeaseCounter = { take: () => new Promise(() => undefined) };
      sut = new LeasedRateLimiter(stalled, WINDOW_MS, clock.now);

      const verdict = settle(sut.hit(KEY, 3));
      await expectSettledAtTheDeadline(verdict);

      await expect(verdict).resolves.toMatchObject({ admitted: true });
    });

    it('counts again once the counter answers', async () => {
      let down = true;
      const flaky: LeaseCounter = {
        take: (...args) => (down ? Promise.reject(new Error('down')) : counter.take(...args)),
      };
      sut = new LeasedRateLimiter(flaky, WINDOW_MS, clock.now);
      await hits(5, 2);
      down = false;

      const verdicts = await hits(3, 2);

      expect(verdicts.map((verdict) => verdict.admitted)).toEqual([true, true, false]);
    });
  });
});

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;

describeRedis(redisUrl ? 'TAKE_LEASE on Redis' : 'TAKE_LEASE on Redis (skipped: set REDIS_URL to run it)', () => {
  type Client = RedisClientWith<typeof RATE_LIMIT_SCRIPTS>;
  const connect = (url: string, socket?: RedisClientOptions['socket']): Client =>
    createClient({ url, scripts: RATE_LIMIT_SCRIPTS, socket });
  const runPrefix = `test:${randomUUID()}:`;
  let client: Client;
  let prefix: string;

  beforeAll(async () => {
    client = connect(redisUrl!);
    await client.connect();
  });

  beforeEach(() => {
    prefix = `${runPrefix}${randomUUID()}:`;
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  afterAll(async () => {
    if (!client?.isOpen) return;
    const keys: string[] = [];
    for await (const key of client.scanIterator({ MATCH: `${runPrefix}*` })) keys.push(key);
    if (keys.length > 0) await client.del(keys);
    await client.quit();
  });

  it('grants what leaseGrant says, counts every grant, and starts the window with the first', async () => {
    const limit = 40;
    const wants = [1, 2, 4, 8, ...Array<number>(18).fill(16)];
    let counted = 0;
    const startedAt = performance.now();
    for (const want of wants) {
      const expected = leaseGrant(counted, want, limit);
      counted += expected;
      await expect(client.takeLease(`${prefix}rate:${KEY}`, want, limit, WINDOW_MS)).resolves.toEqual({
        granted: expected,
        counted,
        windowLeftMs: expect.any(Number),
      });
    }
    expect(counted).toBe(limit);
    const ttl = await client.pTTL(`${prefix}rate:${KEY}`);
    // The window started with the first grant: no more of it has gone than the test took (1 ms for rounding).
    expect(ttl).toBeGreaterThanOrEqual(WINDOW_MS - Math.ceil(performance.now() - startedAt) - 1);
    expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
  });

  it('starts a new window once the last one has expired', async () => {
    const key = `${prefix}rate:${KEY}`;
    await client.takeLease(key, 1, 1, WINDOW_MS);
    await expect(client.takeLease(key, 1, 1, WINDOW_MS)).resolves.toMatchObject({ granted: 0, counted: 1 });

    await letRedisTimePass(client, [key], WINDOW_MS / 2);
    await expect(client.takeLease(key, 1, 1, WINDOW_MS)).resolves.toMatchObject({ granted: 0, counted: 1 });
    await letRedisTimePass(client, [key], WINDOW_MS / 2);

    await expect(client.takeLease(key, 1, 1, WINDOW_MS)).resolves.toMatchObject({ granted: 1, counted: 1 });
  });

  it('gives a counter without an expiry one, so it cannot refuse for ever', async () => {
    const key = `${prefix}rate:${KEY}`;
    await client.set(key, '5');

    await expect(client.takeLease(key, 1, 5, WINDOW_MS)).resolves.toEqual({ granted: 0, counted: 5, windowLeftMs: WINDOW_MS });
    expect(await client.pTTL(key)).toBeGreaterThan(0);
  });

  it('still counts after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    const key = `${prefix}rate:${KEY}`;
    await client.takeLease(key, 1, 10, WINDOW_MS);
    await client.scriptFlush();

    await expect(client.takeLease(key, 1, 10, WINDOW_MS)).resolves.toMatchObject({ counted: 2 });
  });

  // The lease's deadline is out of play: on a loaded machine an answer later than 500 ms would let its hit
  // through uncounted, as it should, and these tests are about counting (the deadline has tests of its own).
  it('never admits more than the limit to several processes hitting one key at once', async () => {
    fakeOnly('timeouts');
    const processes = Array.from({ length: 4 }, () => new LeasedRateLimiter(new RedisLeaseCounter(client, prefix)));
    const limit = 150;

    const waves: Verdict[] = [];
    for (let wave = 0; wave < 3; wave++) {
      waves.push(...(await Promise.all(Array.from({ length: 100 }, (_, i) => settle(processes[i % processes.length].hit(KEY, limit))))));
    }

    expect(admittedOf(waves)).toBeLessThanOrEqual(limit);
    expect(Number(await client.get(`${prefix}rate:${KEY}`))).toBe(limit);
  });

  it('taking turns, two processes admit exactly the limit, then refuse', async () => {
    fakeOnly('timeouts');
    const processes = [
      new LeasedRateLimiter(new RedisLeaseCounter(client, prefix)),
      new LeasedRateLimiter(new RedisLeaseCounter(client, prefix)),
    ];
    const startedAt = performance.now();
    const verdicts: Verdict[] = [];
    for (let i = 0; i < 44; i++) verdicts.push(await settle(processes[i % 2].hit(KEY, 40)));

    expect(verdicts.map((verdict) => verdict.admitted)).toEqual([...Array(40).fill(true), ...Array(4).fill(false)]);
    // What is left of the window that began with the first hit, however long the hits took; a process
    // reckons the end from before it asked, so early by at most one answer's time.
    const tookMs = performance.now() - startedAt;
    expect(verdicts[43].resetSeconds).toBeLessThanOrEqual(60);
    expect(verdicts[43].resetSeconds).toBeGreaterThanOrEqual(Math.ceil((WINDOW_MS - 2 * tookMs) / 1000));
  });

  describe('when Redis does not answer', () => {
    let warnings: jest.SpyInstance;

    beforeAll(() => {
      warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });

    afterAll(() => {
      jest.restoreAllMocks();
    });

    it('lets the request through at once with a closed client, and says so in the log', async () => {
      const sut = new LeasedRateLimiter(new RedisLeaseCounter(connect(redisUrl!), prefix));

      await expect(settle(sut.hit(KEY, 3))).resolves.toEqual({ admitted: true, limit: 3, remaining: 3, resetSeconds: 60 });
      expect(warnings).toHaveBeenCalledWith(expect.stringContaining('Rate limit not counted'));
    });

    it('lets the request through at its bound while the client waits for a Redis that is not there', async () => {
      // Free a moment ago, so nothing listens on it; commands wait in the offline queue.
      const port = await freePort();
      fakeOnly('timeouts');
      const unreachable = connect(`redis://127.0.0.1:${port}`, { reconnectStrategy: () => 50 });
      unreachable.on('error', () => undefined);
      unreachable.connect().catch(() => undefined);
      const sut = new LeasedRateLimiter(new RedisLeaseCounter(unreachable, prefix));

      try {
        const verdict = settle(sut.hit(KEY, 3));
        await expectSettledAtTheDeadline(verdict);

        await expect(verdict).resolves.toMatchObject({ admitted: true });
      } finally {
        await unreachable.disconnect().catch(() => undefined);
      }
    });
  });
});
