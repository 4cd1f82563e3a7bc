import { sql } from 'kysely';
import { ApiClient, ApiResponse } from '../support/api-client';
import { AppProcess, startAppProcess } from '../support/app-process';
import { backendKind, servicesConfigured, TestBackend } from '../support/backend';
import { within } from '../support/expectations';
import { openIndexes } from '../support/factories';
import { createServicesBackend } from '../support/fresh-backend';
import { FaultySmtp } from '../support/faulty-smtp';
import { eventually, outboxRows, slotRequests, tokenIn, withDatabase, ONLY_REQUESTED_MAIL } from '../support/outbox-load';
import { PrivatePostgres, PrivateRedis } from '../support/private-servers';

/** Redis and PostgreSQL exist on the services run only; the embedded run has neither to restart. */
const describeServices = backendKind() === 'services' && servicesConfigured() ? describe : describe.skip;

const healthy = async (api: ApiClient) => (await api.get('/api/health').catch(() => ({ status: 0 }))).status === 200;

describeServices('Redis restarted while holds are pending', () => {
  let redis: PrivateRedis;
  let backend: TestBackend;
  let smtp: FaultySmtp;
  let sut: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    redis = new PrivateRedis();
    await redis.start();
    backend = await createServicesBackend({ label: 'e2e', serverUrl: process.env.DATABASE_URL!, redisUrl: redis.url });
    smtp = new FaultySmtp();
    await smtp.start();
    sut = await startAppProcess({ ...backend.env, SMTP_URL: smtp.url() });
    api = new ApiClient(sut.url, backend.env.ADMIN_API_KEY);
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
    await smtp?.stop();
    await backend?.dispose();
    await redis?.stop();
  });

  it('keeps the holds (their slots stay taken) and every pending hold still confirms', async () => {
    const requests = await slotRequests(api, 5, { firstDay: 20, clients: 5 });
    for (const request of requests) await expect(api.post('/api/client_schedule', request)).resolves.toMatchObject({ status: 202 });
    await smtp.until(() => smtp.received.length === requests.length, 30_000, 'the links');
    const { provider_id, date } = requests[0];
    const open = await openIndexes(api, provider_id, date);

    await redis.restart();
    await eventually(() => healthy(api), 30_000, 'the service to see Redis again');
    // The holds came back with Redis: their slots are still not offered.
    expect(await openIndexes(api, provider_id, date)).toEqual(open);
    for (const mail of smtp.received.slice()) {
      await expect(api.post('/api/validate', { token: tokenIn(await smtp.textOf(mail)) })).resolves.toMatchObject({
        status: 200,
        body: { status: 'confirmed' },
      });
    }
    await smtp.until(() => smtp.received.length === 2 * requests.length, 30_000, 'the confirmations');
  }, 120_000);
});

/**
 * How long any answer may take, outage or not: never a hang. Past the database's own bounds (3 s for a
 * connection, 6 s for a statement's answer), with room for a loaded machine.
 */
const ANSWER_WITHIN_MS = 15_000;
const LOOPS = 4;

describeServices('PostgreSQL restarted under load', () => {
  let postgres: PrivatePostgres;
  let backend: TestBackend;
  let smtp: FaultySmtp;
  let sut: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    postgres = new PrivatePostgres();
    await postgres.start();
    backend = await createServicesBackend({ label: 'e2e', serverUrl: postgres.url, redisUrl: process.env.REDIS_URL! });
    smtp = new FaultySmtp();
    await smtp.start();
    sut = await startAppProcess({ ...backend.env, ...ONLY_REQUESTED_MAIL, SMTP_URL: smtp.url(), OUTBOUND_TIMEOUT_SECONDS: '2' });
    api = new ApiClient(sut.url, backend.env.ADMIN_API_KEY);
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
    await smtp?.stop();
    await backend?.dispose().catch(() => undefined);
    await postgres?.dispose();
  });

  it('answers 503 problem+json during the outage (never a hang or a 500), writes nothing by halves, and recovers by itself', async () => {
    const requests = await slotRequests(api, 400, { firstDay: 10, clients: 8 });
    type Seen = { what: string; status: number; body: any; at: number };
    const seen: Seen[] = [];
    const failures: string[] = [];
    const holds: number[] = [];
    const booked: number[] = [];
    let running = true;
    let next = 0;
    let nextLink = 0;
    const call = async (what: string, send: () => Promise<ApiResponse>) => {
      try {
        const answer = await within(ANSWER_WITHIN_MS, send());
        seen.push({ what, status: answer.status, body: answer.body, at: Date.now() });
        return answer;
      } catch (error) {
        failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    };
    // Each loop asks for a slot, reads the day, and confirms a link that has arrived, over and over.
    const loop = async () => {
      while (running && next < requests.length) {
        const request = requests[next++];
        const held = await call('hold', () => api.post('/api/client_schedule', request));
        if (held?.status === 202) holds.push(held.body.appointment_id as number);
        // Refused during the outage: asked again later, so that the requests last past the restart.
        if (held?.status === 503) requests.push(request);
        await call('listing', () => api.get(`/api/schedule?provider_id=${request.provider_id}&date=${request.date}`));
        const mail = smtp.received.filter((taken) => taken.subject.startsWith('Confirm your'))[nextLink];
        if (mail) {
          nextLink++;
          const token = tokenIn(await smtp.textOf(mail));
          const confirmed = await call('validate', () => api.post('/api/validate', { token }));
          if (confirmed?.status === 200) booked.push(confirmed.body.appointment.id as number);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const loops = Promise.all(Array.from({ length: LOOPS }, loop));

    await eventually(() => holds.length >= 20, 60_000, 'load before the outage');
    const stoppedAt = Date.now();
    await postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    await postgres.start();
    const restartedAt = Date.now();
    // A server process that died of the outage says so, with its last lines, rather than as a timeout.
    const explain = async (error: Error): Promise<never> => {
      const died = await Promise.race([sut.exited, Promise.resolve(undefined)]);
      const lines = sut.output().split('\n').slice(-10).join('\n');
      throw new Error(`${error.message}${died ? `; the server process died (${JSON.stringify(died)})` : ''}; its last lines:\n${lines}`);
    };
    await eventually(() => healthy(api), 30_000, 'the service to see PostgreSQL again').catch(explain);
    const holdsAfter = holds.length;
    await eventually(() => holds.length >= holdsAfter + 20, 60_000, 'holds after the restart').catch(explain);
    running = false;
    await loops;

    expect(failures).toEqual([]);
    expect(seen.filter(({ status }) => status >= 500 && status !== 503)).toEqual([]);
    const outage = seen.filter(({ status }) => status === 503);
    expect(outage.length).toBeGreaterThan(0);
    for (const { body } of outage) expect(body).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    // 503 only around the outage.
    expect(outage.filter(({ at }) => at < stoppedAt || at > restartedAt + 20_000)).toEqual([]);
    expect(seen.filter(({ status }) => ![200, 202, 409, 503].includes(status))).toEqual([]);

    await withDatabase(backend.env, async (database) => {
      const db = database.tables<never>();
      const pendingWithoutMail = await sql<{ id: number }>`
        SELECT a.id FROM appointments a WHERE a.status = 'pending'
        AND NOT EXISTS (SELECT 1 FROM outbox_messages o WHERE o.appointment_id = a.id AND o.kind = 'validation')`.execute(db);
      expect(pendingWithoutMail.rows).toEqual([]);
      const bookedWithoutAppointment = await sql<{ appointment_id: number }>`
        SELECT b.appointment_id FROM booked_slots b LEFT JOIN appointments a ON a.id = b.appointment_id
        WHERE a.id IS NULL OR a.status <> 'confirmed'`.execute(db);
      expect(bookedWithoutAppointment.rows).toEqual([]);
      const confirmedWithoutMail = await sql<{ id: number }>`
        SELECT a.id FROM appointments a WHERE a.status = 'confirmed'
        AND NOT EXISTS (SELECT 1 FROM outbox_messages o WHERE o.appointment_id = a.id AND o.kind = 'confirmation')`.execute(db);
      expect(confirmedWithoutMail.rows).toEqual([]);
      // What was answered was done.
      const ids = await sql<{ id: number; status: string }>`SELECT id, status FROM appointments`.execute(db);
      const statusOf = new Map(ids.rows.map((row) => [Number(row.id), row.status]));
      expect(holds.every((id) => Number.isInteger(id)) && booked.every((id) => Number.isInteger(id))).toBe(true);
      expect(booked.length).toBeGreaterThan(0);
      expect(holds.filter((id) => !statusOf.has(id))).toEqual([]);
      expect(booked.filter((id) => statusOf.get(id) !== 'confirmed')).toEqual([]);
    });

    // And the outbox sends everything written, once (a worker that lost PostgreSQL mid-send may repeat what it had in hand).
    await eventually(async () => (await outboxRows(backend.env)).every((row) => row.status === 'sent'), 60_000, 'every row sent', 500);
    const rows = await outboxRows(backend.env);
    const copies = smtp.copies();
    expect(copies.size).toBe(rows.length);
    expect([...copies.values()].filter((count) => count > 1).length).toBeLessThanOrEqual(8);
  }, 240_000);
});
