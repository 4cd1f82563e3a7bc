import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { fakeOnly } from '../../test/support/fake-timers';
import type { RedisClientWith } from '../redis/redis-client';
import { MemoryStreamQuota, RedisStreamQuota, StreamPlace, StreamQuota } from './stream-quota';
import { STREAM_QUOTA_SCRIPTS } from './stream-quota-scripts';

const LIMIT = 3;

/** Waits for `condition`, with a deadline generous enough for a loaded machine. */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

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

    describe('leases', () => {
      // A lease a loaded machine cannot overrun between two checks. Its time passes by taking it off every
      // place in Redis (agePlaces), and the renewals come when the test moves the fake heartbeats on:
      // with a real short lease, a heartbeat a stalled event loop ran late let a live process's places lapse.
      const LEASE_MS = 30_000;

      // KEYS[1]: a holder's places. Each lease ends ARGV[1] ms sooner, as if that much of Redis's time had
      // passed, and the key's own lifetime with them. Answers the latest lease end left.
      const AGE_PLACES = `
local ms = tonumber(ARGV[1])
local places = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #places, 2 do redis.call('ZADD', KEYS[1], tonumber(places[i + 1]) - ms, places[i]) end
local left = redis.call('PTTL', KEYS[1])
if left > ms then redis.call('PEXPIRE', KEYS[1], left - ms) elseif left >= 0 then redis.call('DEL', KEYS[1]) end
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
return latest[2] or '0'`;

      beforeEach(() => {
        // The heartbeats (setInterval) run when the test says; everything else runs as ever.
        fakeOnly('intervals');
      });

      afterEach(() => {
        jest.useRealTimers();
      });

      it('keeps the places of a live process past their lease, and drops those of a process that died', async () => {
        const prefix = `${runPrefix}${++prefixes}:`;
        const key = `${prefix}streams:provider:1`;
        const [live, dying, newcomer] = [client, otherProcess, client].map(
          (connection) => new RedisStreamQuota(connection, prefix, LIMIT, LEASE_MS),
        );
        try {
          await claimAll(live, 'provider:1', 2);
          await claimAll(dying, 'provider:1', 1);

          dying.onApplicationShutdown(); // it stops renewing, and never releases: as a killed process would
          await expect(newcomer.claim('provider:1')).resolves.toBeUndefined();

          // Four thirds of a lease: the live process renews at each third, the dead one never.
          for (let third = 1; third <= 4; third++) {
            const latestEnd = Number(await client.eval(AGE_PLACES, { keys: [key], arguments: [String(LEASE_MS / 3)] }));
            jest.advanceTimersByTime(LEASE_MS / 3);
            await until(async () => (await client.zCount(key, `(${latestEnd}`, '+inf')) === 2, 'the live process renewing its places');
          }

          await expect(newcomer.claim('provider:1')).resolves.toBeDefined();
          await expect(newcomer.claim('provider:1')).resolves.toBeUndefined();
        } finally {
          for (const quota of [live, dying, newcomer]) quota.onApplicationShutdown();
        }
      });
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
