import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import { randomUUID } from 'node:crypto';
import { TcpProxy } from '../../test/support/tcp-proxy';
import { validateEnvironment } from '../config/environment';
import { redisConfig } from '../config/namespaces';
import type { AppRedisClient } from './redis-client';
import { CACHE_MANAGER, REDIS_CLIENT, REDIS_SUBSCRIBER, RedisModule } from './redis.module';

/** A feature that still talks to Redis while the app shuts down (as a store finishing its last write would). */
@Injectable()
class LastWords implements OnApplicationShutdown {
  readonly said: string[] = [];

  constructor(@Inject(REDIS_CLIENT) readonly client: AppRedisClient | null) {}

  /** Never throws: an error here would stop Nest from running the shutdown hooks that come after. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    this.said.push(await this.client.ping().catch((error: unknown) => `failed: ${String(error)}`));
  }
}

@Module({ imports: [RedisModule], providers: [LastWords], exports: [LastWords] })
class FeatureModule {}

/** Another feature importing the module: it must get the same connections, not new ones. */
@Injectable()
class OtherFeature {
  constructor(@Inject(REDIS_CLIENT) readonly client: AppRedisClient | null) {}
}

@Module({ imports: [RedisModule], providers: [OtherFeature], exports: [OtherFeature] })
class OtherFeatureModule {}

function settingsModule(env: Record<string, string>) {
  const config = redisConfig(validateEnvironment(env));
  @Global()
  @Module({ providers: [{ provide: redisConfig.KEY, useValue: config }], exports: [redisConfig.KEY] })
  class TestSettingsModule {}
  return TestSettingsModule;
}

async function boot(env: Record<string, string>): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [settingsModule(env), FeatureModule, OtherFeatureModule] }).compile();
  return moduleRef.init();
}

describe(`${RedisModule.name} without REDIS_URL`, () => {
  let sut: TestingModule;

  beforeAll(async () => {
    sut = await boot({});
  });

  afterAll(async () => {
    await sut?.close();
  });

  it('provides no connections, so each feature picks its in-process implementation', () => {
    expect(sut.get(REDIS_CLIENT)).toBeNull();
    expect(sut.get(REDIS_SUBSCRIBER)).toBeNull();
  });

  it('provides an in-process cache', async () => {
    const cache = sut.get<Cache>(CACHE_MANAGER);

    await cache.set('greeting', 'hello', 60_000);

    await expect(cache.get('greeting')).resolves.toBe('hello');
  });
});

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;

describeRedis(redisUrl ? `${RedisModule.name} on Redis` : `${RedisModule.name} on Redis (skipped: set REDIS_URL to run it)`, () => {
  const prefix = `test:${randomUUID()}:`;
  let sut: TestingModule;
  let client: AppRedisClient;
  let subscriber: AppRedisClient;

  beforeAll(async () => {
    sut = await boot({ REDIS_URL: redisUrl!, REDIS_PREFIX: prefix });
    client = sut.get(REDIS_CLIENT);
    subscriber = sut.get(REDIS_SUBSCRIBER);
  });

  afterAll(async () => {
    if (client?.isOpen) {
      const keys: string[] = [];
      for await (const key of client.scanIterator({ MATCH: `${prefix}*` })) keys.push(key);
      if (keys.length > 0) await client.del(keys);
    }
    await sut?.close();
  });

  it('builds one client and one subscriber, both connected, and every feature gets the same ones', () => {
    expect(client.isReady).toBe(true);
    expect(subscriber.isReady).toBe(true);
    expect(subscriber).not.toBe(client);
    expect(sut.get(OtherFeature).client).toBe(client);
    expect(sut.get(LastWords).client).toBe(client);
  });

  it("gives the client every feature's scripts", async () => {
    const key = `${prefix}rate:probe`;

    await expect(client.takeLease(key, 1, 10, 60_000)).resolves.toEqual({ granted: 1, counted: 1, windowLeftMs: expect.any(Number) });
    await expect(client.takeLease(key, 1, 10, 60_000)).resolves.toMatchObject({ counted: 2 });
    expect([client.claimHold, client.pinHold, client.releaseHold, client.claimStreamPlace, client.renewStreamPlaces]).toEqual(
      Array(5).fill(expect.any(Function)),
    );
  });

  it('carries pub/sub on the subscriber, published on the client', async () => {
    const channel = `${prefix}channel`;
    let heard!: (message: string) => void;
    const received = new Promise<string>((resolve) => (heard = resolve));
    // Redis has the subscription once SUBSCRIBE is answered (not after a sleep): a message published before is lost.
    await subscriber.subscribe(channel, (message) => heard(message));

    await client.publish(channel, 'hello');

    await expect(received).resolves.toBe('hello');
    await subscriber.unsubscribe(channel);
  });

  it('stores the cache in Redis, under the key prefix', async () => {
    const cache = sut.get<Cache>(CACHE_MANAGER);

    await cache.set('greeting', 'hello', 60_000);

    await expect(client.get(`${prefix}cache:greeting`)).resolves.toBe('"hello"');
    await expect(cache.get('greeting')).resolves.toBe('hello');
  });
});

describeRedis('RedisModule shutdown', () => {
  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterAll(() => {
    jest.restoreAllMocks();
  });

  it('closes both connections, after the features that use them have finished', async () => {
    const sut = await boot({ REDIS_URL: redisUrl! });
    const [client, subscriber] = [sut.get<AppRedisClient>(REDIS_CLIENT), sut.get<AppRedisClient>(REDIS_SUBSCRIBER)];

    await sut.close();

    expect(sut.get(LastWords).said).toEqual(['PONG']);
    expect(client.isOpen).toBe(false);
    expect(subscriber.isOpen).toBe(false);
  });

  it('closes at once, without an error, when Redis has gone away', async () => {
    const url = new URL(redisUrl!);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 6379));
    url.port = String(await proxy.start());
    const sut = await boot({ REDIS_URL: url.toString() });
    const [client, subscriber] = [sut.get<AppRedisClient>(REDIS_CLIENT), sut.get<AppRedisClient>(REDIS_SUBSCRIBER)];
    await proxy.cut();

    const started = performance.now();
    await sut.close();

    expect(performance.now() - started).toBeLessThan(1000);
    expect(sut.get(LastWords).said).toEqual([expect.stringMatching(/^failed: /)]);
    expect(client.isOpen).toBe(false);
    expect(subscriber.isOpen).toBe(false);
  });
});
