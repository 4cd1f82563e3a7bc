import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { RedisClientWith } from '../redis/redis-client';
import { MemoryStreamQuota, RedisStreamQuota, StreamPlace, StreamQuota } from './stream-quota';
import { STREAM_QUOTA_SCRIPTS } from './stream-quota-scripts';

const LIMIT = 3;

/** Claims `count` places for `holder`, each of which must be granted. */
async function claimAll(quota: StreamQuota, holder: string, count: number): Promise<StreamPlace[]> {
  const places: StreamPlace[] = [];
  for (let i = 0; i < count; i++) {
    const place = await quota.claim(holder);
    if (!place) throw new Error(`place ${i + 1} of ${count} refused`);
    places.push(place);
  }
  return places;
}

/** The promises of StreamQuota, written once and run against every implementation. */
function streamQuotaContract(makeQuota: (limit: number) => StreamQuota): void {
  let sut: StreamQuota;

  beforeEach(() => {
    sut = makeQuota(LIMIT);
  });

  it('grants a holder its limit of places, and refuses one more', async () => {
    await claimAll(sut, 'provider:1', LIMIT);

    await expect(sut.claim('provider:1')).resolves.toBeUndefined();
  });

  it('counts each holder on its own', async () => {
    await claimAll(sut, 'provider:1', LIMIT);

    await expect(claimAll(sut, 'provider:2', LIMIT)).resolves.toHaveLength(LIMIT);
    await expect(sut.claim('admin')).resolves.toBeDefined();
  });

  it('gives a released place back, once however often it is released', async () => {
    const [first] = await claimAll(sut, 'client:1', LIMIT);

    first.release();
    first.release();

    await expect(sut.claim('client:1')).resolves.toBeDefined();
    await expect(sut.claim('client:1')).resolves.toBeUndefined();
  });
}

describe(`${MemoryStreamQuota.name} contract`, () => {
  streamQuotaContract((limit) => new MemoryStreamQuota(limit));
});

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;

describeRedis(
  redisUrl ? `${RedisStreamQuota.name} contract` : `${RedisStreamQuota.name} contract (skipped: set REDIS_URL to run it)`,
  () => {
    const runPrefix = `test:${randomUUID()}:`;
    const quotas: RedisStreamQuota[] = [];
    type Client = RedisClientWith<typeof STREAM_QUOTA_SCRIPTS>;
    const connect = (): Client => createClient({ url: redisUrl, scripts: STREAM_QUOTA_SCRIPTS });
    let client: Client;
    let otherProcess: Client;
    let prefixes = 0;

    beforeAll(async () => {
      Logger.overrideLogger(false);
      client = connect();
      otherProcess = client.duplicate();
      await Promise.all([client.connect(), otherProcess.connect()]);
    });

    afterAll(async () => {
      for (const quota of quotas) quota.onApplicationShutdown();
      const keys: string[] = [];
      for await (const key of client.scanIterator({ MATCH: `${runPrefix}*`, COUNT: 1000 })) keys.push(key);
      if (keys.length > 0) await client.del(keys);
      await Promise.all([client.quit(), otherProcess.quit()]);
    });

    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    /** A quota on `connection`; quotas made with the same `prefix` are the same deployment's processes. */
    const quotaOn = (connection: Client, prefix: string, limit: number, leaseMs?: number) => {
      const quota = new RedisStreamQuota(connection, prefix, limit, leaseMs);
      quotas.push(quota);
      return quota;
    };

    // Each test gets its own prefix under the run's, so no test sees another's places.
    streamQuotaContract((limit) => quotaOn(client, `${runPrefix}${++prefixes}:`, limit));

    it('holds the limit across processes', async () => {
      const prefix = `${runPrefix}${++prefixes}:`;
      const [first, second] = [quotaOn(client, prefix, LIMIT), quotaOn(otherProcess, prefix, LIMIT)];
      await claimAll(first, 'provider:1', 2);
      const [onSecond] = await claimAll(second, 'provider:1', 1);

      await expect(first.claim('provider:1')).resolves.toBeUndefined();
      await expect(second.claim('provider:1')).resolves.toBeUndefined();
      onSecond.release();
      await expect(first.claim('provider:1')).resolves.toBeDefined();
    });

    it('keeps the places of a live process past their lease, and drops those of a process that died', async () => {
      const prefix = `${runPrefix}${++prefixes}:`;
      const [live, dying, newcomer] = [client, otherProcess, client].map((connection) => quotaOn(connection, prefix, LIMIT, 300));
      await claimAll(live, 'provider:1', 2);
      await claimAll(dying, 'provider:1', 1);

      dying.onApplicationShutdown(); // it stops renewing, and never releases: as a killed process would
      await expect(newcomer.claim('provider:1')).resolves.toBeUndefined();
      await sleep(700);

      await expect(newcomer.claim('provider:1')).resolves.toBeDefined();
      await expect(newcomer.claim('provider:1')).resolves.toBeUndefined();
    });

    it('lets a stream open when Redis does not answer, rather than refusing every stream', async () => {
      const closed = connect();
      const quota = quotaOn(closed, `${runPrefix}${++prefixes}:`, 1);

      const places = await Promise.all([quota.claim('provider:1'), quota.claim('provider:1')]);

      expect(places.every((place) => place !== undefined)).toBe(true);
      places.forEach((place) => place!.release());
    });
  },
);
