import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { RedisClientWith } from '../redis/redis-client';
import { InvalidationHandler, RedisCacheBus, Stale } from './cache-bus';

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;

/** Generous: on a loaded machine a probe's round trip can take seconds. A condition met returns at once. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

describeRedis(redisUrl ? RedisCacheBus.name : `${RedisCacheBus.name} (skipped: set REDIS_URL to run it)`, () => {
  const clients: RedisClientWith[] = [];
  const prefix = `test:${randomUUID()}:`;

  async function connected(reconnectAfterMs = 50): Promise<RedisClientWith> {
    const client: RedisClientWith = createClient({ url: redisUrl, socket: { reconnectStrategy: () => reconnectAfterMs } });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  /** A bus as one process has it, and what its "listing" cache was told. */
  async function processBus(): Promise<{ bus: RedisCacheBus; subscriber: RedisClientWith; heard: Stale[] }> {
    const subscriber = await connected();
    const bus = new RedisCacheBus(await connected(), subscriber, prefix);
    const heard: Stale[] = [];
    const handler: InvalidationHandler = (keys) => heard.push(keys);
    bus.register('listing', handler);
    await bus.onModuleInit();
    return { bus, subscriber, heard };
  }

  let buses: RedisCacheBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.map((bus) => bus.onApplicationShutdown()));
    buses = [];
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.disconnect().catch(() => undefined)));
  });

  it('is live once its own probe comes back, and tells the other process what went stale', async () => {
    const a = await processBus();
    const b = await processBus();
    buses.push(a.bus, b.bus);
    await until(() => a.bus.live && b.bus.live, 'both buses live');
    a.heard.length = 0;
    b.heard.length = 0;

    await a.bus.invalidate('listing', ['1:2030-01-07']);

    expect(a.heard).toEqual([['1:2030-01-07']]);
    await until(() => b.heard.length > 0, 'the message on the other process');
    expect(b.heard).toEqual([['1:2030-01-07']]);
    // The publisher applied it before publishing and ignores its own echo.
    await new Promise((done) => setTimeout(done, 50));
    expect(a.heard).toHaveLength(1);
  });

  it('tells the other process a prefix that went stale', async () => {
    const a = await processBus();
    const b = await processBus();
    buses.push(a.bus, b.bus);
    await until(() => a.bus.live && b.bus.live, 'both buses live');
    a.heard.length = 0;
    b.heard.length = 0;

    await a.bus.invalidatePrefix('listing', '1:');

    expect(a.heard).toEqual([{ prefix: '1:' }]);
    await until(() => b.heard.length > 0, 'the message on the other process');
    expect(b.heard).toEqual([{ prefix: '1:' }]);
  });

  it('stops being live when its subscription drops, empties its caches, and is live again after reconnecting', async () => {
    const subscriber = await connected();
    const subscriberId = Number(await subscriber.sendCommand(['CLIENT', 'ID']));
    const admin = await connected();
    const bus = new RedisCacheBus(await connected(), subscriber, prefix);
    // What each call found: whether the bus was live while its caches were being emptied.
    const emptiedWhileLive: boolean[] = [];
    bus.register('listing', (keys) => {
      if (keys === 'all') emptiedWhileLive.push(bus.live);
    });
    await bus.onModuleInit();
    buses.push(bus);
    await until(() => bus.live, 'live');
    emptiedWhileLive.length = 0;

    await admin.sendCommand(['CLIENT', 'KILL', 'ID', String(subscriberId)]);

    // Emptied once at the drop and once when the probe came back, and not live during either.
    await until(() => emptiedWhileLive.length >= 2 && bus.live, 'live again after reconnecting');
    expect(emptiedWhileLive).toEqual([false, false]);
  });
});
