import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Client } from 'pg';
import { DatabaseService } from '../database/database.service';
import { ClaimedMessage, NewMessage } from './outbox-message';
import { OutboxRepository } from './outbox.repository';

/** How the contract reaches one database: a fresh, migrated one, and its removal. */
interface ContractTarget {
  open(): Promise<{ database: DatabaseService; dispose(): Promise<void> }>;
}

const T0 = Date.parse('2030-01-07T08:00:00Z');
const LEASE_MS = 30_000;

function email(to: string, fields: Partial<NewMessage> = {}): NewMessage {
  return {
    channel: 'email',
    kind: 'validation',
    payload: { to, toName: 'Grace', subject: 'Confirm', html: '<p>x</p>', text: 'x' },
    appointmentId: 1,
    providerId: 1,
    ...fields,
  } as NewMessage;
}

function call(webhookId: number, fields: Partial<NewMessage> = {}): NewMessage {
  return {
    channel: 'webhook',
    kind: 'webhook',
    payload: { to: `https://hooks.example/${webhookId}`, webhookId, type: 'appointment.confirmed', body: '{}' },
    appointmentId: 1,
    providerId: 1,
    ...fields,
  } as NewMessage;
}

/**
 * Resolves once a session of this PostgreSQL database waits for a lock in a statement on `table`; fails
 * at once if the statement meant to wait (`settled`) ends first, and after `timeoutMs` if none waits.
 */
async function untilWaitingOnLock(database: DatabaseService, table: string, settled: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (settled()) throw new Error(`the statement on ${table} ended instead of waiting for a lock`);
    const { rows } = await sql<{ waiting: number }>`SELECT count(*)::int AS waiting FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE ${`%${table}%`}`.execute(database.tables<never>());
    if (rows[0].waiting > 0) return;
    if (Date.now() > deadline) throw new Error(`no statement on ${table} waited for a lock within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The promises of OutboxRepository, written once and run on every database. */
function outboxContract(target: ContractTarget): void {
  let database: DatabaseService;
  let dispose: () => Promise<void>;
  let sut: OutboxRepository;

  beforeEach(async () => {
    ({ database, dispose } = await target.open());
    sut = new OutboxRepository(database);
  });

  afterEach(async () => {
    await database.onApplicationShutdown();
    await dispose();
  });

  const add = (now: number, ...messages: NewMessage[]) => database.transaction((tx) => sut.add(tx, messages, now));
  const row = async (id: number) => (await sut.findById(id))!;
  const claimOne = async (now: number): Promise<ClaimedMessage> => {
    const [claimed] = await sut.claim(now, 1, now + LEASE_MS);
    expect(claimed).toBeDefined();
    return claimed;
  };

  describe('add and claim', () => {
    it('claims a due message once, counting the try and leasing it', async () => {
      await add(T0, email('grace@example.com'));

      const [claimed] = await sut.claim(T0, 10, T0 + LEASE_MS);

      expect(claimed).toMatchObject({ channel: 'email', kind: 'validation', recipient: 'grace@example.com', attempts: 1, dueAt: T0 });
      expect(JSON.parse(claimed.payload)).toMatchObject({ to: 'grace@example.com', subject: 'Confirm' });
      expect(claimed.messageKey).toMatch(/^[0-9a-f-]{36}$/);
      await expect(row(claimed.id)).resolves.toMatchObject({ status: 'queued', attempts: 1, lease_until: T0 + LEASE_MS });
      // Leased: nobody else takes it while the lease runs.
      await expect(sut.claim(T0 + LEASE_MS - 1, 10, T0 + 2 * LEASE_MS)).resolves.toEqual([]);
    });

    it('claims one lane alone when asked: webhook calls, or emails and texts', async () => {
      const call = {
        channel: 'webhook',
        kind: 'webhook',
        payload: { to: 'https://hooks.example/x', webhookId: 1, type: 'ping', body: '{}' },
      };
      await add(T0, call as NewMessage, email('grace@example.com'));

      const webhooks = await sut.claim(T0, 10, T0 + LEASE_MS, 'calls');
      const notices = await sut.claim(T0, 10, T0 + LEASE_MS, 'notices');

      expect(webhooks.map((message) => message.channel)).toEqual(['webhook']);
      expect(notices.map((message) => message.channel)).toEqual(['email']);
    });

    it("skips the listed webhooks' calls, never an email or a text, and carries each call's webhook", async () => {
      await add(
        T0,
        call(1),
        email('grace@example.com'),
        call(2),
        { channel: 'sms', kind: 'queue_called', payload: { to: '+14155550123', body: 'Your turn' } },
        call(3),
      );

      const claimed = await sut.claim(T0, 10, T0 + LEASE_MS, undefined, [1, 3]);
      expect(claimed.map((message) => [message.channel, message.webhookId])).toEqual([
        ['email', null],
        ['webhook', 2],
        ['sms', null],
      ]);
      await expect(sut.claim(T0, 10, T0 + LEASE_MS, 'calls', [1, 3])).resolves.toEqual([]);
      // Left for later, not leased: claimed as soon as they are not skipped.
      const later = await sut.claim(T0, 10, T0 + LEASE_MS, 'calls', [1]);
      expect(later.map((message) => [message.webhookId, message.attempts])).toEqual([[3, 1]]);
    });

    it('claims emails and texts whatever webhooks are skipped, in the notices lane too', async () => {
      await add(T0, email('grace@example.com'), call(1));

      const notices = await sut.claim(T0, 10, T0 + LEASE_MS, 'notices', [1]);

      expect(notices.map((message) => message.recipient)).toEqual(['grace@example.com']);
    });

    it('writes nothing when the transaction rolls back', async () => {
      await expect(
        database.transaction(async (tx) => {
          await sut.add(tx, [email('grace@example.com')], T0);
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');

      await expect(sut.list({ limit: 10 })).resolves.toEqual([]);
    });

    it('claims nothing before it is due, then oldest due first, up to the limit', async () => {
      await add(T0, email('later@example.com', { dueAt: T0 + 60_000 }), email('first@example.com'), email('second@example.com'));

      // Leased past the time the later one falls due, so only that one is left to claim then.
      const claimed = await sut.claim(T0, 10, T0 + 120_000);
      expect(claimed.map((message) => message.recipient)).toEqual(['first@example.com', 'second@example.com']);

      await expect(sut.claim(T0 + 60_000, 1, T0 + 60_000 + LEASE_MS)).resolves.toMatchObject([{ recipient: 'later@example.com' }]);
    });

    it('carries send_before to the worker', async () => {
      await add(T0, email('grace@example.com', { sendBefore: T0 + 5_000 }));

      await expect(claimOne(T0)).resolves.toMatchObject({ sendBefore: T0 + 5_000 });
    });

    it('never hands the same message to two claimers at once', async () => {
      const count = 120;
      await add(T0, ...Array.from({ length: count }, (_, i) => email(`c${i}@example.com`)));

      // Twelve workers claiming at once, again and again, until the outbox is empty (on PostgreSQL,
      // each on its own pooled connection).
      const seen: number[] = [];
      for (let round = 0; round < 20 && seen.length < count; round++) {
        const batches = await Promise.all(Array.from({ length: 12 }, () => sut.claim(T0, 7, T0 + LEASE_MS)));
        for (const batch of batches) seen.push(...batch.map((message) => message.id));
      }

      expect(seen).toHaveLength(count);
      expect(new Set(seen).size).toBe(count);
      const rows = await sut.list({ limit: count });
      expect(rows.every((message) => message.attempts === 1)).toBe(true);
    });
  });

  describe('leases and fencing', () => {
    it('lets another worker claim a message whose lease lapsed, counting a second try', async () => {
      await add(T0, email('grace@example.com'));
      const first = await claimOne(T0);

      const second = await claimOne(T0 + LEASE_MS);

      expect(second).toMatchObject({ id: first.id, attempts: 2 });
    });

    it("ignores a stale worker's verdict once another worker claimed the message", async () => {
      await add(T0, email('grace@example.com'));
      const stale = await claimOne(T0);
      const current = await claimOne(T0 + LEASE_MS);

      await sut.markSent(stale, T0 + LEASE_MS + 1);
      await sut.markFailedTry(stale, 'late failure', { status: 'failed' });
      await sut.release(stale, T0 + LEASE_MS + 1);

      await expect(row(current.id)).resolves.toMatchObject({
        status: 'queued',
        attempts: 2,
        sent_at: null,
        last_error: null,
        lease_until: T0 + 2 * LEASE_MS,
      });
      await expect(sut.markSent(current, T0 + LEASE_MS + 2)).resolves.toBe(current.payload);
      await expect(row(current.id)).resolves.toMatchObject({ status: 'sent', sent_at: T0 + LEASE_MS + 2, lease_until: null });
    });

    it('answers, marking a message sent, the text its row holds (none when the row is not this try)', async () => {
      await add(T0, email('grace@example.com'));
      const stale = await claimOne(T0);
      const current = await claimOne(T0 + LEASE_MS);

      await expect(sut.markSent(stale, T0 + LEASE_MS + 1)).resolves.toBeUndefined();
      await database.transaction((tx) => sut.rewrite(tx, current.id, 'erased', '{"erased":true}'));
      await expect(sut.markSent(current, T0 + LEASE_MS + 2)).resolves.toBe('{"erased":true}');
    });

    it('rewrites a message for an erasure, its last error too when asked', async () => {
      await add(T0, email('grace@example.com'));
      const claimed = await claimOne(T0);
      await sut.markFailedTry(claimed, '550 no such user <grace@example.com>', { status: 'failed' });

      await database.transaction((tx) => sut.rewrite(tx, claimed.id, '[erased]', '{"erased":true}'));
      await expect(row(claimed.id)).resolves.toMatchObject({ recipient: '[erased]', last_error: expect.stringContaining('550') });
      await database.transaction((tx) => sut.rewrite(tx, claimed.id, '[erased]', '{"erased":true}', '[erased]'));
      await expect(row(claimed.id)).resolves.toMatchObject({ recipient: '[erased]', payload: '{"erased":true}', last_error: '[erased]' });
    });

    it('gives a released message back at once, its tries kept', async () => {
      await add(T0, email('grace@example.com'));
      const claimed = await claimOne(T0);

      await sut.release(claimed, T0 + 10);

      await expect(claimOne(T0 + 10)).resolves.toMatchObject({ id: claimed.id, attempts: 2 });
    });
  });

  describe('aboutPerson in an erasure', () => {
    it("holds the rows it read until the erasure commits: a worker's verdict meanwhile waits, then finds the row deleted", async () => {
      await add(T0, email('grace@example.com'));
      const claimed = await claimOne(T0);
      let read!: () => void;
      const hasRead = new Promise<void>((resolve) => (read = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const erasure = database.transaction(async (tx) => {
        const rows = await sut.aboutPerson({ recipients: ['grace@example.com'], appointmentIds: [] }, tx);
        read();
        await released;
        await sut.deleteQueued(
          tx,
          rows.filter((each) => each.status === 'queued').map((each) => each.id),
        );
      });
      await hasRead;

      // The send in hand finishes while the erasure runs. Unheld, its verdict would land, and the delete,
      // looking for queued rows, would leave the row with the person in it.
      const marking = sut.markSent(claimed, T0 + 1);
      let settled = false;
      marking.then(
        () => (settled = true),
        () => (settled = true),
      );
      try {
        if (database.locksRows) {
          await untilWaitingOnLock(database, 'outbox_messages', () => settled);
        } else {
          // SQLite's one connection is the erasure's until it commits: nothing else runs meanwhile, lock or none.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(settled).toBe(false);
      } finally {
        // A failure too ends the erasure, or its connection would keep the database from closing.
        release();
        await erasure;
      }

      await expect(marking).resolves.toBeUndefined();
      await expect(sut.findById(claimed.id)).resolves.toBeNull();
    });
  });

  describe('unclaim', () => {
    it('undoes a claim: lease cleared, the try not counted, its time (and so its place) kept', async () => {
      await add(T0, call(1), call(1));
      await add(T0 + 1_000, call(1));
      const first = await claimOne(T0);
      await sut.markFailedTry(first, 'ECONNREFUSED', { status: 'queued', nextAttemptAt: T0 + 4_000 });
      const batch = await sut.claim(T0 + 4_000, 10, T0 + 4_000 + LEASE_MS, 'calls');
      expect(batch.map((message) => message.attempts)).toEqual([2, 1, 1]);

      await sut.unclaim(batch);

      await expect(row(first.id)).resolves.toMatchObject({ status: 'queued', attempts: 1, lease_until: null, next_attempt_at: T0 + 4_000 });
      await expect(row(batch[1].id)).resolves.toMatchObject({ status: 'queued', attempts: 0, lease_until: null, next_attempt_at: T0 });
      await expect(row(batch[2].id)).resolves.toMatchObject({ attempts: 0, lease_until: null, next_attempt_at: T0 + 1_000 });
      // Due again at once, in the same order as before (by next_attempt_at, then id), the tries as before.
      const again = await sut.claim(T0 + 4_000, 10, T0 + 4_000 + LEASE_MS, 'calls');
      expect(again.map((message) => [message.id, message.attempts])).toEqual(batch.map((message) => [message.id, message.attempts]));
      const [oldest] = await sut.claim(T0 + 4_000 + LEASE_MS, 1, T0 + 4_000 + 2 * LEASE_MS);
      expect(oldest.id).toBe(batch[1].id);
    });

    it('is fenced: an unclaim with a stale try count changes nothing, and a fresh one beside it still works', async () => {
      await add(T0, call(1), call(2));
      const [stale] = await sut.claim(T0, 1, T0 + LEASE_MS);
      // Its lease lapsed: another worker took it, counting a second try, and the second message.
      const current = await sut.claim(T0 + LEASE_MS, 10, T0 + 2 * LEASE_MS);
      expect(current.map((message) => [message.id, message.attempts])).toEqual([
        [stale.id, 2],
        [current[1].id, 1],
      ]);
      const before = await row(stale.id);

      await sut.unclaim([stale, current[1]]);

      await expect(row(stale.id)).resolves.toEqual(before);
      await expect(row(current[1].id)).resolves.toMatchObject({ attempts: 0, lease_until: null });
      await sut.markSent(current[0], T0 + LEASE_MS + 1);
      await expect(row(stale.id)).resolves.toMatchObject({ status: 'sent', attempts: 2 });
    });

    it('leaves a message with a verdict alone', async () => {
      await add(T0, call(1));
      const claimed = await claimOne(T0);
      await sut.markSent(claimed, T0 + 1);

      await sut.unclaim([claimed]);

      await expect(row(claimed.id)).resolves.toMatchObject({ status: 'sent', attempts: 1 });
    });
  });

  describe('verdicts', () => {
    it('a failed try that may be retried waits for its back-off, the error masked and bounded', async () => {
      await add(T0, email('grace@example.com'));
      const claimed = await claimOne(T0);

      const error = `421 <grace@example.com> +14155550123 busy ${'x'.repeat(1_000)}`;
      await sut.markFailedTry(claimed, error, { status: 'queued', nextAttemptAt: T0 + 4_000 });

      const failed = await row(claimed.id);
      expect(failed).toMatchObject({ status: 'queued', next_attempt_at: T0 + 4_000, lease_until: null });
      expect(failed.last_error).toContain('g***@example.com');
      expect(failed.last_error).not.toContain('grace@example.com');
      expect(failed.last_error).not.toContain('14155550123');
      expect(failed.last_error!.length).toBeLessThanOrEqual(500);
      await expect(sut.claim(T0 + 3_999, 10, T0 + LEASE_MS)).resolves.toEqual([]);
      await expect(claimOne(T0 + 4_000)).resolves.toMatchObject({ id: claimed.id, attempts: 2 });
    });

    it('a failed message is never claimed again', async () => {
      await add(T0, email('grace@example.com'));
      const claimed = await claimOne(T0);

      await sut.markFailedTry(claimed, '550 no such user', { status: 'failed' });

      await expect(row(claimed.id)).resolves.toMatchObject({ status: 'failed', attempts: 1, last_error: '550 no such user' });
      await expect(sut.claim(T0 + 365 * 86_400_000, 10, T0 + LEASE_MS)).resolves.toEqual([]);
    });

    it('a sent message clears its error and is never claimed again', async () => {
      await add(T0, email('grace@example.com'));
      const first = await claimOne(T0);
      await sut.markFailedTry(first, 'ECONNREFUSED', { status: 'queued', nextAttemptAt: T0 + 1_000 });
      const second = await claimOne(T0 + 1_000);

      await sut.markSent(second, T0 + 1_500);

      await expect(row(first.id)).resolves.toMatchObject({ status: 'sent', attempts: 2, last_error: null, sent_at: T0 + 1_500 });
      await expect(sut.claim(T0 + 365 * 86_400_000, 10, T0 + LEASE_MS)).resolves.toEqual([]);
    });
  });

  describe('requeue', () => {
    it('queues a failed message again, due now with a fresh day of retries', async () => {
      await add(T0, email('grace@example.com'));
      const claimed = await claimOne(T0);
      await sut.markFailedTry(claimed, '550 no such user', { status: 'failed' });

      const requeued = await sut.requeue(claimed.id, T0 + 60_000);

      expect(requeued).toMatchObject({ id: claimed.id, status: 'queued', due_at: T0 + 60_000, next_attempt_at: T0 + 60_000, attempts: 1 });
      await expect(claimOne(T0 + 60_000)).resolves.toMatchObject({ id: claimed.id, attempts: 2, dueAt: T0 + 60_000 });
    });

    it('leaves queued, leased and sent messages alone, and knows no unknown id', async () => {
      await add(T0, email('queued@example.com'), email('leased@example.com'), email('sent@example.com'));
      const [, leased, sent] = await sut.list({ limit: 10 }).then((rows) => rows.reverse());
      const claimed = await sut.claim(T0, 10, T0 + LEASE_MS);
      await sut.markSent(
        claimed.find((message) => message.id === sent.id)!,
        T0 + 1,
      );
      const queued = (await sut.list({ limit: 10 })).find((message) => message.recipient === 'queued@example.com')!;
      await sut.release(
        claimed.find((message) => message.id === queued.id)!,
        T0 + 1,
      );

      for (const id of [queued.id, leased.id, sent.id]) {
        const before = await row(id);
        await expect(sut.requeue(id, T0 + 2)).resolves.toBeNull();
        await expect(row(id)).resolves.toEqual(before);
      }
      await expect(sut.requeue(999_999, T0)).resolves.toBeNull();
    });
  });

  describe('dropQueued', () => {
    it("drops only the appointment's queued messages of those kinds", async () => {
      await add(
        T0,
        email('a@example.com', { kind: 'reminder', appointmentId: 1 }),
        email('b@example.com', { kind: 'reminder', appointmentId: 1 }),
        email('c@example.com', { kind: 'confirmation', appointmentId: 1 }),
        email('d@example.com', { kind: 'reminder', appointmentId: 2 }),
        email('e@example.com', { kind: 'hold_reminder', appointmentId: 1, dueAt: T0 + 60_000 }),
      );
      // b has gone out: it stays, as the record of what was sent.
      const [b] = (await sut.claim(T0, 10, T0 + LEASE_MS)).filter((message) => message.recipient === 'b@example.com');
      await sut.markSent(b, T0 + 1);

      await database.transaction((tx) => sut.dropQueued(tx, 1, ['reminder', 'hold_reminder']));

      const left = (await sut.list({ limit: 10 })).map((message) => message.recipient).sort();
      expect(left).toEqual(['b@example.com', 'c@example.com', 'd@example.com']);
    });
  });

  describe('backlog', () => {
    it('counts queued and failed messages, and the oldest queued one already due', async () => {
      await expect(sut.backlog(T0)).resolves.toEqual({ queued: 0, failed: 0, oldestQueuedAt: null });

      await add(T0, email('a@example.com'), email('b@example.com'), email('c@example.com'));
      await add(T0 + 5_000, email('d@example.com'), email('reminder@example.com', { dueAt: T0 + 3_600_000 }));
      const [a, b] = await sut.claim(T0, 2, T0 + LEASE_MS);
      await sut.markSent(a, T0 + 1);
      await sut.markFailedTry(b, '550', { status: 'failed' });

      // c (due T0), d (due T0 + 5 s) and the reminder wait; the reminder is not due, so c is the oldest.
      await expect(sut.backlog(T0 + 10_000)).resolves.toEqual({ queued: 3, failed: 1, oldestQueuedAt: T0 });
    });
  });

  describe('list', () => {
    it('lists newest first, by status, channel, appointment and provider, a page before an id', async () => {
      await add(
        T0,
        email('a@example.com', { appointmentId: 1, providerId: 1 }),
        email('b@example.com', { appointmentId: 2, providerId: 2 }),
        { channel: 'sms', kind: 'queue_called', payload: { to: '+14155550123', body: 'Your turn' }, providerId: 1 },
        email('c@example.com', { appointmentId: 3, providerId: 1 }),
      );
      const claimed = await claimOne(T0);
      await sut.markFailedTry(claimed, '550', { status: 'failed' });
      const recipients = async (filter: Omit<Parameters<OutboxRepository['list']>[0], 'limit'>, limit = 10) =>
        (await sut.list({ ...filter, limit })).map((message) => message.recipient);

      await expect(recipients({})).resolves.toEqual(['c@example.com', '+14155550123', 'b@example.com', 'a@example.com']);
      await expect(recipients({}, 2)).resolves.toEqual(['c@example.com', '+14155550123']);
      const all = await sut.list({ limit: 10 });
      await expect(recipients({ beforeId: all[1].id })).resolves.toEqual(['b@example.com', 'a@example.com']);
      await expect(recipients({ status: 'failed' })).resolves.toEqual(['a@example.com']);
      await expect(recipients({ channel: 'sms' })).resolves.toEqual(['+14155550123']);
      await expect(recipients({ providerId: 1 })).resolves.toEqual(['c@example.com', '+14155550123', 'a@example.com']);
      await expect(recipients({ providerId: 1, appointmentId: 2 })).resolves.toEqual([]);
      await expect(recipients({ appointmentId: 2 })).resolves.toEqual(['b@example.com']);
    });
  });
}

describe(`${OutboxRepository.name} contract on SQLite`, () => {
  outboxContract({
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), 'scheduler-outbox-'));
      const database = DatabaseService.open({ kind: 'sqlite', path: join(dataDir, 'scheduler.sqlite') });
      await database.migrate();
      return { database, dispose: async () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  });
});

const postgresUrl = /^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL! : undefined;
const describePostgres = postgresUrl ? describe : describe.skip;

describePostgres(
  postgresUrl
    ? `${OutboxRepository.name} contract on PostgreSQL`
    : `${OutboxRepository.name} contract on PostgreSQL (skipped: set DATABASE_URL=postgres://… to run it)`,
  () => {
    /** Runs `sql` on the server of DATABASE_URL, outside any database of ours. */
    async function onServer(sql: string): Promise<void> {
      const client = new Client({ connectionString: postgresUrl, connectionTimeoutMillis: 10_000 });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    }

    outboxContract({
      async open() {
        const name = `scheduler_outbox_${randomBytes(6).toString('hex')}`;
        await onServer(`CREATE DATABASE "${name}"`);
        const url = new URL(postgresUrl!);
        url.pathname = `/${name}`;
        const database = DatabaseService.open({ kind: 'postgres', url: url.toString() });
        await database.migrate();
        return { database, dispose: () => onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
      },
    });
  },
);
