import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '../../test/support/test-clock';
import { ADMIN, Caller } from '../access/caller';
import { DatabaseService } from '../database/database.service';
import { DeliveriesService } from './deliveries.service';
import { NewMessage } from './outbox-message';
import { OutboxRepository } from './outbox.repository';
import { OutboxWorker } from './outbox-worker';

const T0 = Date.parse('2030-01-07T08:00:00Z');
const provider = (providerId: number): Caller => ({ role: 'provider', providerId });

function email(to: string, appointmentId: number, providerId: number): NewMessage {
  return {
    channel: 'email',
    kind: 'validation',
    payload: { to, toName: 'Grace', subject: 'Confirm', html: '<p>x</p>', text: 'x' },
    appointmentId,
    providerId,
  };
}

/** The real repository on a fresh SQLite file; the worker only records that it was woken. */
describe(DeliveriesService.name, () => {
  let dataDir: string;
  let database: DatabaseService;
  let outbox: OutboxRepository;
  let clock: TestClock;
  let wakes: number;
  let sut: DeliveriesService;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scheduler-deliveries-'));
    database = DatabaseService.open({ kind: 'sqlite', path: join(dataDir, 'scheduler.sqlite') });
    await database.migrate();
    outbox = new OutboxRepository(database);
    clock = new TestClock(T0);
    wakes = 0;
    const worker = { wake: () => void wakes++ } as unknown as OutboxWorker;
    sut = new DeliveriesService(outbox, worker, clock);
    await database.transaction((tx) =>
      outbox.add(tx, [email('grace@example.com', 1, 1), email('ada@example.com', 2, 2), email('alan@example.com', 3, 1)], T0),
    );
  });

  afterEach(async () => {
    await database.onApplicationShutdown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function fail(recipient: string): Promise<number> {
    const claimed = (await outbox.claim(clock.nowMs(), 10, clock.nowMs() + 30_000)).find((message) => message.recipient === recipient)!;
    await outbox.markFailedTry(claimed, '550 no such user', { status: 'failed' });
    return claimed.id;
  }

  describe('list', () => {
    it('shows the administrator everything, newest first, masked', async () => {
      const page = await sut.list({}, ADMIN);

      expect(page.items.map((item) => item.recipient)).toEqual(['a***@example.com', 'a***@example.com', 'g***@example.com']);
      expect(page.items.map((item) => item.appointment_id)).toEqual([3, 2, 1]);
      expect(page.next_cursor).toBeNull();
    });

    it("shows a provider its own appointments' messages, and nothing of another's", async () => {
      await expect(sut.list({}, provider(1)).then((page) => page.items.map((item) => item.appointment_id))).resolves.toEqual([3, 1]);
      await expect(sut.list({ appointment_id: 2 }, provider(1))).resolves.toEqual({ items: [], next_cursor: null });
    });

    it("refuses a client's key", async () => {
      await expect(sut.list({}, { role: 'client', clientId: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('pages with a cursor, and a cursor that is no id finds nothing', async () => {
      const first = await sut.list({ limit: 2 }, ADMIN);
      expect(first.items.map((item) => item.appointment_id)).toEqual([3, 2]);
      const second = await sut.list({ limit: 2, cursor: first.next_cursor! }, ADMIN);
      expect(second).toMatchObject({ items: [{ appointment_id: 1 }], next_cursor: null });
      await expect(sut.list({ cursor: 'AAAA' }, ADMIN)).resolves.toEqual({ items: [], next_cursor: null });
    });
  });

  describe('retry', () => {
    it('queues a failed message again and wakes the worker', async () => {
      const id = await fail('grace@example.com');
      clock.advance(5);

      await expect(sut.retry(id, ADMIN)).resolves.toMatchObject({
        id,
        status: 'queued',
        attempts: 1,
        next_attempt_at: new Date(T0 + 5 * 60_000).toISOString(),
      });
      expect(wakes).toBe(1);
    });

    it('refuses a message that is not failed with 409 NOT_RETRYABLE, an unknown one with 404, and anyone but the administrator', async () => {
      const id = await fail('grace@example.com');
      const queued = (await sut.list({ status: 'queued' }, ADMIN)).items[0].id;

      await expect(sut.retry(queued, ADMIN)).rejects.toMatchObject({ code: 'NOT_RETRYABLE', status: 409 });
      await expect(sut.retry(999, ADMIN)).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
      await expect(sut.retry(id, provider(1))).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(wakes).toBe(0);
      await expect(outbox.findById(id)).resolves.toMatchObject({ status: 'failed' });
    });
  });

  describe('backlog', () => {
    it('reports the counts and how long the oldest due message has waited, in whole seconds', async () => {
      await fail('grace@example.com');
      clock.set(T0 + 90_500);

      await expect(sut.backlog()).resolves.toEqual({ queued: 2, failed: 1, oldest_queued_seconds: 90 });
    });
  });
});
