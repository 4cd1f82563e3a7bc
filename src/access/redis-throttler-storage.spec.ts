import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createClient, type RedisClientOptions } from 'redis';
import { freePort } from '../../test/support/free-port';
import type { RedisClientWith } from '../redis/redis-client';
import { RATE_LIMIT_SCRIPTS } from './rate-limit-scripts';
import { RedisThrottlerStorage } from './redis-throttler-storage';

const WINDOW_MS = 60_000;
const LIMIT = 3;

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;

describeRedis(redisUrl ? RedisThrottlerStorage.name : `${RedisThrottlerStorage.name} (skipped: set REDIS_URL to run it)`, () => {
  type Client = RedisClientWith<typeof RATE_LIMIT_SCRIPTS>;
  const connect = (url: string, socket?: RedisClientOptions['socket']): Client =>
    createClient({ url, scripts: RATE_LIMIT_SCRIPTS, socket });
  const runPrefix = `test:${randomUUID()}:`;
  let client: Client;
  let sut: RedisThrottlerStorage;

  beforeAll(async () => {
    client = connect(redisUrl!);
    await client.connect();
  });

  beforeEach(() => {
    sut = new RedisThrottlerStorage(client, `${runPrefix}${randomUUID()}:`);
  });

  afterAll(async () => {
    if (!client?.isOpen) return;
    const keys: string[] = [];
    for await (const key of client.scanIterator({ MATCH: `${runPrefix}*` })) keys.push(key);
    if (keys.length > 0) await client.del(keys);
    await client.quit();
  });

  it('counts every hit of a key in its window, and blocks past the limit until the window ends', async () => {
    const hits = [];
    for (let i = 0; i < LIMIT + 1; i++) hits.push(await sut.increment('requests:ip:1', WINDOW_MS, LIMIT));

    expect(hits.map((hit) => [hit.totalHits, hit.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(hits[3].timeToExpire).toBe(60);
    expect(hits[3].timeToBlockExpire).toBe(60);
  });

  it('counts each key on its own', async () => {
    for (let i = 0; i < LIMIT; i++) await sut.increment('requests:ip:1', WINDOW_MS, LIMIT);

    await expect(sut.increment('requests:ip:2', WINDOW_MS, LIMIT)).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
    await expect(sut.increment('messages:ip:1', WINDOW_MS, LIMIT)).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('starts a new window once the last one has ended', async () => {
    await sut.increment('requests:ip:1', 200, 1);
    await expect(sut.increment('requests:ip:1', 200, 1)).resolves.toMatchObject({ isBlocked: true });

    await new Promise((resolve) => setTimeout(resolve, 300));

    await expect(sut.increment('requests:ip:1', 200, 1)).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('still counts after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    await sut.increment('requests:ip:1', WINDOW_MS, LIMIT);
    await client.scriptFlush();

    await expect(sut.increment('requests:ip:1', WINDOW_MS, LIMIT)).resolves.toMatchObject({ totalHits: 2 });
  });

  describe('when Redis does not answer', () => {
    const letThrough = { totalHits: 0, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 };
    let warnings: jest.SpyInstance;

    beforeAll(() => {
      warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });

    afterAll(() => {
      jest.restoreAllMocks();
    });

    it('lets the request through at once with a closed client, and says so in the log', async () => {
      const closed = connect(redisUrl!);
      const storage = new RedisThrottlerStorage(closed, runPrefix);

      await expect(storage.increment('requests:ip:1', WINDOW_MS, LIMIT)).resolves.toEqual(letThrough);
      expect(warnings).toHaveBeenCalledWith(expect.stringContaining('Rate limit not counted'));
    });

    it('lets the request through within its bound while the client waits for a Redis that is not there', async () => {
      // Free a moment ago, so nothing listens on it; commands wait in the offline queue.
      const unreachable = connect(`redis://127.0.0.1:${await freePort()}`, { reconnectStrategy: () => 50 });
      unreachable.on('error', () => undefined);
      unreachable.connect().catch(() => undefined);
      const storage = new RedisThrottlerStorage(unreachable, runPrefix);

      try {
        const started = performance.now();
        await expect(storage.increment('requests:ip:1', WINDOW_MS, LIMIT)).resolves.toEqual(letThrough);
        expect(performance.now() - started).toBeLessThan(1000);
      } finally {
        await unreachable.disconnect().catch(() => undefined);
      }
    });
  });
});
