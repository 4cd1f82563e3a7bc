import { randomUUID } from 'node:crypto';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InMemoryClientsRepository } from '../../test/support/fakes/memory-clients.repository';
import { InMemoryProvidersRepository } from '../../test/support/fakes/memory-providers.repository';
import { CacheBus, LIVENESS_MS, LocalCacheBus, RedisCacheBus } from '../cache/cache-bus';
import { ClientsRepository } from '../clients/clients.repository';
import { ClientsService } from '../clients/clients.service';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/domain-events';
import { ProvidersRepository } from '../providers/providers.repository';
import { ProvidersService } from '../providers/providers.service';
import { AppRedisClient, createRedisClient } from '../redis/redis-client';
import { API_KEY_CACHE_ENTRIES, API_KEY_MAX_AGE_MS, ApiKeyCache } from './api-key-cache';
import { hashApiKey } from './api-keys';
import { AuthService } from './auth.service';
import { ADMIN, Caller } from './caller';

const PROVIDER_7: Caller = { role: 'provider', providerId: 7 };

/** A bus whose subscription is down: nothing may be served from a cache then. */
class DownBus extends CacheBus {
  get live(): boolean {
    return false;
  }

  protected async broadcast(): Promise<void> {}
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

describe(ApiKeyCache.name, () => {
  let nowMs: number;
  let sut: ApiKeyCache;
  let loads: number;
  const loadAs = (caller: Caller | null) => async () => {
    loads += 1;
    return caller;
  };

  beforeEach(() => {
    nowMs = 1_000;
    loads = 0;
    sut = new ApiKeyCache(new LocalCacheBus(), () => nowMs);
  });

  it("asks the database once for a key that is somebody's, then answers from memory", async () => {
    await expect(sut.callerOf('hash-a', loadAs(PROVIDER_7))).resolves.toEqual(PROVIDER_7);
    await expect(sut.callerOf('hash-a', loadAs(PROVIDER_7))).resolves.toEqual(PROVIDER_7);

    expect(loads).toBe(1);
  });

  it("never keeps a key that is nobody's, so guessing cannot fill memory", async () => {
    for (let i = 0; i < 100; i++) await expect(sut.callerOf(`guess-${i}`, loadAs(null))).resolves.toBeNull();
    await sut.callerOf('guess-0', loadAs(null));

    expect(loads).toBe(101);
    expect(sut.size).toBe(0);
  });

  it('asks again once a revoked key is looked up', async () => {
    await sut.callerOf('hash-a', loadAs(PROVIDER_7));

    await sut.revoke('hash-a');

    await expect(sut.callerOf('hash-a', loadAs(null))).resolves.toBeNull();
    expect(loads).toBe(2);
  });

  it('does not keep an answer loaded while the key was revoked', async () => {
    const row = deferred<Caller | null>();
    const racing = sut.callerOf('hash-a', () => row.promise);

    await sut.revoke('hash-a');
    row.resolve(PROVIDER_7); // read before the revocation committed
    await expect(racing).resolves.toEqual(PROVIDER_7);

    await expect(sut.callerOf('hash-a', loadAs(null))).resolves.toBeNull();
  });

  it('serves no answer older than a second, whatever the bus says', async () => {
    await sut.callerOf('hash-a', loadAs(PROVIDER_7));
    nowMs += API_KEY_MAX_AGE_MS - 1;
    await sut.callerOf('hash-a', loadAs(PROVIDER_7));
    expect(loads).toBe(1);

    nowMs += 1;

    await expect(sut.callerOf('hash-a', loadAs(null))).resolves.toBeNull();
    expect(loads).toBe(2);
  });

  it('serves nothing from memory while the bus is down (an invalidation could be missed)', async () => {
    sut = new ApiKeyCache(new DownBus(), () => nowMs);

    await sut.callerOf('hash-a', loadAs(PROVIDER_7));
    await sut.callerOf('hash-a', loadAs(PROVIDER_7));

    expect(loads).toBe(2);
  });

  it('keeps a bounded number of keys', async () => {
    for (let i = 0; i <= API_KEY_CACHE_ENTRIES; i++) await sut.callerOf(`hash-${i}`, loadAs({ role: 'client', clientId: i }));

    expect(sut.size).toBe(API_KEY_CACHE_ENTRIES);
  });
});

describe('API keys rotated through the services', () => {
  const config = {
    adminApiKey: 'admin-key-0123456789abcdef0123456789',
    adminApiKeySource: 'test',
    rateLimitPerMinute: 600,
    metricsToken: undefined,
  };
  let providersRepository: InMemoryProvidersRepository;
  let clientsRepository: InMemoryClientsRepository;
  let providers: ProvidersService;
  let clients: ClientsService;
  let sut: AuthService;

  beforeEach(() => {
    const cache = new ApiKeyCache(new LocalCacheBus());
    providersRepository = new InMemoryProvidersRepository();
    clientsRepository = new InMemoryClientsRepository();
    providers = new ProvidersService(
      providersRepository as unknown as ProvidersRepository,
      new Clock(),
      cache,
      new DomainEvents(new EventEmitter2()),
    );
    clients = new ClientsService(clientsRepository as unknown as ClientsRepository, new Clock(), cache);
    sut = new AuthService(providers, clients, cache, config);
  });

  it("answers a provider's key from memory after the first look-up, and not at all once rotated", async () => {
    const provider = await providers.create({ name: 'Ada', email: 'ada@example.com' }, ADMIN);
    const lookups = jest.spyOn(providersRepository, 'idByKeyHash');
    await expect(sut.authenticate(provider.api_key)).resolves.toEqual({ role: 'provider', providerId: provider.id });
    await expect(sut.authenticate(provider.api_key)).resolves.toEqual({ role: 'provider', providerId: provider.id });
    expect(lookups).toHaveBeenCalledTimes(1);

    const rotated = await providers.rotateKey(provider.id, { role: 'provider', providerId: provider.id });

    await expect(sut.authenticate(provider.api_key)).resolves.toBeNull();
    await expect(sut.authenticate(rotated.api_key)).resolves.toEqual({ role: 'provider', providerId: provider.id });
  });

  it("knows the administrator's key, and nothing like it", async () => {
    await expect(sut.authenticate(config.adminApiKey)).resolves.toEqual(ADMIN);
    await expect(sut.authenticate(`${config.adminApiKey} `)).resolves.toBeNull();
    await expect(sut.authenticate(config.adminApiKey.slice(0, -1))).resolves.toBeNull();
  });

  it("does the same for a client's key", async () => {
    const client = await clients.create({ name: 'Grace', email: 'grace@example.com' }, ADMIN);
    await expect(sut.authenticate(client.api_key)).resolves.toEqual({ role: 'client', clientId: client.id });

    const rotated = await clients.rotateKey(client.id, ADMIN);

    await expect(sut.authenticate(client.api_key)).resolves.toBeNull();
    await expect(sut.authenticate(rotated.api_key)).resolves.toEqual({ role: 'client', clientId: client.id });
    expect(hashApiKey(rotated.api_key)).not.toBe(hashApiKey(client.api_key));
  });
});

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;

describeRedis(redisUrl ? 'API keys cached by two processes' : 'API keys cached by two processes (skipped: set REDIS_URL to run it)', () => {
  const prefix = `test:${randomUUID()}:`;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Generous: on a loaded machine a probe's round trip can take seconds. A condition met returns at once. */
  async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(10);
    }
  }
  const connections: AppRedisClient[] = [];
  const buses: RedisCacheBus[] = [];

  async function process(): Promise<ApiKeyCache> {
    const [publisher, subscriber] = [createRedisClient(redisUrl!), createRedisClient(redisUrl!)];
    await Promise.all([publisher.connect(), subscriber.connect()]);
    connections.push(publisher, subscriber);
    const bus = new RedisCacheBus(publisher, subscriber, prefix);
    buses.push(bus);
    await bus.onModuleInit();
    await until(() => bus.live, 'the bus live');
    // A clock that stands still: entries never age out, so only the bus can drop one.
    return new ApiKeyCache(bus, () => 0);
  }

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.onApplicationShutdown()));
    // A bus closes its publishing connection itself.
    await Promise.all(connections.filter((connection) => connection.isOpen).map((connection) => connection.quit()));
  });

  it('drops a key revoked on one process from the other, which never answers it once the bus could have told it', async () => {
    const [here, there] = [await process(), await process()];
    let revoked = false;
    const owner = async (): Promise<Caller | null> => (revoked ? null : PROVIDER_7);
    // Kept by the other process. A load that finds its bus not live (a loaded machine can hold a probe
    // back past LIVENESS_MS) keeps nothing: ask again until one does.
    await until(async () => (await there.callerOf('hash-a', owner)) !== null && there.size === 1, 'the key kept on the other process');

    // The database no longer knows the key; then the revocation is published.
    revoked = true;
    await here.revoke('hash-a');
    // Now the other process's bus is live only with a probe sent after the revocation back, which came
    // after it: so it never answers the revoked key, however slow the machine.
    await sleep(LIVENESS_MS + 20);
    await expect(there.callerOf('hash-a', owner)).resolves.toBeNull();
    // And the message dropped the key (the cache's clock stands still: nothing else would).
    await until(() => there.size === 0, 'the key dropped on the other process');
  });
});
