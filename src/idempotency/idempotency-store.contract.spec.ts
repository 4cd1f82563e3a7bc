import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { Clock } from '../common/clock';
import { DatabaseService } from '../database/database.service';
import { TcpProxy } from '../../test/support/tcp-proxy';
import type { RedisClientWith } from '../redis/redis-client';
import { REDIS_COMMAND_TIMEOUT_MS } from '../redis/redis-command';
import { DatabaseIdempotencyStore } from './database-idempotency-store';
import { IDEMPOTENCY_SCRIPTS } from './idempotency-scripts';
import { IdempotencyStore } from './idempotency-store';
import { RedisIdempotencyStore } from './redis-idempotency-store';
import { StoredAnswer } from './stored-answer';

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

/** How the contract reaches one implementation: a fresh store and a way to let time pass. */
interface ContractTarget {
  makeStore(): IdempotencyStore;
  passTime(ms: number): Promise<void>;
}

const LONG_MS = 60_000;
// Redis expires on real time, so a lapse is a short lifetime plus a real wait.
const SHORT_MS = 300;
const LAPSE_MS = 500;
const ANSWER: StoredAnswer = { status: 202, contentType: 'application/json; charset=utf-8', body: '{"id":1}' };

/** The promises of IdempotencyStore, written once and run against every implementation. */
function idempotencyStoreContract(target: ContractTarget): void {
  let sut: IdempotencyStore;
  let key: string;

  beforeEach(() => {
    sut = target.makeStore();
    key = randomUUID().replace(/-/g, '');
  });

  async function started(fingerprint: string, inFlightMs = LONG_MS): Promise<string> {
    const outcome = await sut.begin(key, fingerprint, inFlightMs);
    if (outcome.outcome !== 'started') throw new Error(`expected started, got ${outcome.outcome}`);
    return outcome.token;
  }

  it('starts a fresh key, then tells a repeat that it is in use until the answer is stored', async () => {
    await started('f1');

    await expect(sut.begin(key, 'f1', LONG_MS)).resolves.toEqual({ outcome: 'in_use' });
  });

  it('replays the stored answer to a repeat with the same fingerprint', async () => {
    const token = await started('f1');
    await sut.complete(key, token, ANSWER, LONG_MS);

    await expect(sut.begin(key, 'f1', LONG_MS)).resolves.toEqual({ outcome: 'replay', answer: ANSWER });
  });

  it('refuses another fingerprint under the same key, in flight or answered', async () => {
    const token = await started('f1');
    await expect(sut.begin(key, 'f2', LONG_MS)).resolves.toEqual({ outcome: 'reused' });

    await sut.complete(key, token, ANSWER, LONG_MS);

    await expect(sut.begin(key, 'f2', LONG_MS)).resolves.toEqual({ outcome: 'reused' });
  });

  it('keeps keys apart', async () => {
    await started('f1');

    await expect(sut.begin(`${key}-other`, 'f1', LONG_MS)).resolves.toMatchObject({ outcome: 'started' });
  });

  it('lets exactly one of 20 concurrent first requests start', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => sut.begin(key, 'f1', LONG_MS)));

    expect(outcomes.filter((o) => o.outcome === 'started')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'in_use')).toHaveLength(19);
  });

  it('frees a released key, so a retry runs', async () => {
    const token = await started('f1');
    await sut.release(key, token);

    await expect(sut.begin(key, 'f2', LONG_MS)).resolves.toMatchObject({ outcome: 'started' });
  });

  it('lets an in-flight marker lapse, so a crashed run does not lock the key', async () => {
    await started('f1', SHORT_MS);
    await target.passTime(LAPSE_MS);

    await expect(sut.begin(key, 'f1', LONG_MS)).resolves.toMatchObject({ outcome: 'started' });
  });

  it('lets a stored answer lapse after its lifetime', async () => {
    const token = await started('f1');
    await sut.complete(key, token, ANSWER, SHORT_MS);
    await target.passTime(LAPSE_MS);

    await expect(sut.begin(key, 'f2', LONG_MS)).resolves.toMatchObject({ outcome: 'started' });
  });

  it('ignores the answer and the release of a run whose marker lapsed and was taken over', async () => {
    const stale = await started('f1', SHORT_MS);
    await target.passTime(LAPSE_MS);
    const current = await started('f1');

    await sut.complete(key, stale, { ...ANSWER, body: '"stale"' }, LONG_MS);
    await sut.release(key, stale);

    await expect(sut.begin(key, 'f1', LONG_MS)).resolves.toEqual({ outcome: 'in_use' });
    await sut.complete(key, current, ANSWER, LONG_MS);
    await expect(sut.begin(key, 'f1', LONG_MS)).resolves.toEqual({ outcome: 'replay', answer: ANSWER });
  });

  it('forgets every record about an erased client, and only those', async () => {
    const clientId = Math.floor(Math.random() * 1e9);
    const keys = [key, `${key}-2`, `${key}-3`];
    for (const [i, each] of keys.entries()) {
      const begun = await sut.begin(each, 'f1', LONG_MS);
      if (begun.outcome !== 'started') throw new Error('not started');
      await sut.complete(each, begun.token, ANSWER, LONG_MS, i < 2 ? clientId : clientId + 1);
    }

    await sut.forgetClient(clientId);

    await expect(sut.begin(keys[0], 'f1', LONG_MS)).resolves.toMatchObject({ outcome: 'started' });
    await expect(sut.begin(keys[1], 'f1', LONG_MS)).resolves.toMatchObject({ outcome: 'started' });
    await expect(sut.begin(keys[2], 'f1', LONG_MS)).resolves.toEqual({ outcome: 'replay', answer: ANSWER });
  });

  it('does not release a stored answer', async () => {
    const token = await started('f1');
    await sut.complete(key, token, ANSWER, LONG_MS);

    await sut.release(key, token);

    await expect(sut.begin(key, 'f1', LONG_MS)).resolves.toEqual({ outcome: 'replay', answer: ANSWER });
  });
}

describe(`${DatabaseIdempotencyStore.name} contract (SQLite)`, () => {
  let database: DatabaseService;
  let clock: FakeClock;

  beforeAll(async () => {
    database = DatabaseService.open({ kind: 'sqlite', path: ':memory:' });
    await database.migrate();
  });

  afterAll(() => database.onApplicationShutdown());

  idempotencyStoreContract({
    makeStore: () => new DatabaseIdempotencyStore(database, (clock = new FakeClock())),
    passTime: async (ms) => clock.advance(ms),
  });
});

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;

describeRedis(
  redisUrl ? `${RedisIdempotencyStore.name} contract` : `${RedisIdempotencyStore.name} contract (skipped: set REDIS_URL to run it)`,
  () => {
    const runPrefix = `test:${randomUUID()}:`;
    let client: RedisClientWith<typeof IDEMPOTENCY_SCRIPTS>;

    beforeAll(async () => {
      client = createClient({ url: redisUrl, scripts: IDEMPOTENCY_SCRIPTS });
      await client.connect();
    });

    afterAll(async () => {
      const keys: string[] = [];
      for await (const key of client.scanIterator({ MATCH: `${runPrefix}*`, COUNT: 1000 })) keys.push(key);
      if (keys.length > 0) await client.del(keys);
      await client.quit();
    });

    idempotencyStoreContract({
      makeStore: () => new RedisIdempotencyStore(client, runPrefix),
      passTime: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    });

    describe('when Redis stops answering (connections open, nothing comes back)', () => {
      const proxy = new TcpProxy(new URL(redisUrl!).hostname, Number(new URL(redisUrl!).port || 6379));
      let stalling: RedisClientWith<typeof IDEMPOTENCY_SCRIPTS>;
      let sut: RedisIdempotencyStore;

      beforeAll(async () => {
        await proxy.start();
        stalling = createClient({ url: `redis://127.0.0.1:${proxy.port}`, scripts: IDEMPOTENCY_SCRIPTS });
        await stalling.connect();
        sut = new RedisIdempotencyStore(stalling, runPrefix);
        proxy.stall();
      });

      afterAll(async () => {
        await proxy.cut();
        await stalling.disconnect().catch(() => undefined);
      });

      it.each([
        ['begin', () => sut.begin(randomUUID(), 'f1', LONG_MS)],
        ['complete', () => sut.complete(randomUUID(), 'token', ANSWER, LONG_MS, 1)],
        ['release', () => sut.release(randomUUID(), 'token')],
        ['forgetClient', () => sut.forgetClient(1)],
      ])(
        '%s answers 503 UNAVAILABLE at its deadline instead of hanging',
        async (_name, operation) => {
          const started = Date.now();
          // Without the deadline the promise would never settle: the proxy lets nothing back.
          await expect(operation()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
          expect(Date.now() - started).toBeGreaterThanOrEqual(REDIS_COMMAND_TIMEOUT_MS - 50);
        },
        REDIS_COMMAND_TIMEOUT_MS + 8000,
      );
    });
  },
);
