import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { ApiClient, ApiResponse } from '../support/api-client';
import { AppProcess, startAppProcess } from '../support/app-process';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

const REPLAYED = 'idempotent-replayed';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The client's one email, once its one appointment's outbox messages are all sent: a second email would
 * be a second appointment or a second message, seen here rather than waited for (the outbox sends within
 * a second, a loaded machine's within several).
 */
async function expectOnlyMail(smtp: SmtpSink, admin: ApiClient, clientId: number, address: string): Promise<void> {
  const appointments = await admin.get(`/api/appointments?client_id=${clientId}`);
  expect(appointments.body.items).toHaveLength(1);
  const path = `/api/deliveries?appointment_id=${appointments.body.items[0].id}`;
  const deadline = Date.now() + 20_000;
  let deliveries: { kind: string; status: string }[] = (await admin.get(path)).body.items;
  while (deliveries.some((delivery) => delivery.status === 'queued') && Date.now() < deadline) {
    await sleep(100);
    deliveries = (await admin.get(path)).body.items;
  }
  expect(deliveries).toEqual([expect.objectContaining({ kind: 'validation', status: 'sent' })]);
  // A message is marked sent once the mail server took it.
  expect(smtp.to(address)).toHaveLength(1);
}

/**
 * Idempotency-Key on the POST routes, with two app instances sharing one backend (the database store
 * on SQLite, the Redis store on services): a repeat is answered once, wherever it lands.
 */
describeBackend('idempotency keys', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let first: TestApp;
  let second: TestApp;
  let provider: { id: number };
  let date: string;
  let keys = 0;
  let addresses = 0;

  const newKey = () => `key-${Date.now()}-${++keys}`;
  const fromNewAddress = () => ({ 'x-forwarded-for': `203.0.113.${++addresses}` });

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    const env = { SMTP_URL: await smtp.start(), RATE_LIMIT_PER_MINUTE: '100000', TRUSTED_PROXY_HOPS: '1', HOLD_REMINDER_SECONDS: '0' };
    first = await startTestApp(backend.env, { env });
    second = await startTestApp(backend.env, { env });
    provider = await createProvider(first.api, { time_zone: 'UTC' });
    date = futureDate(20);
    await publish(first.api, provider.id, date, '08:00', '18:00');
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  const bookingOf = (clientId: number, slot: number) => ({ date, provider_id: provider.id, client_id: clientId, requested_slot: slot });

  async function clientWithKey() {
    const client = await createClient(first.api);
    return { ...client, onFirst: first.api.as(client.api_key), onSecond: second.api.as(client.api_key) };
  }

  async function appointmentsOf(clientId: number): Promise<{ id: number }[]> {
    const response = await first.api.get(`/api/appointments?client_id=${clientId}`);
    expect(response.status).toBe(200);
    return response.body.items;
  }

  it('answers a sequential repeat, on either server, from the first answer: one hold, one email', async () => {
    const client = await clientWithKey();
    const key = newKey();

    const original = await client.onFirst.post('/api/client_schedule', bookingOf(client.id, 40), { 'idempotency-key': key });
    const repeat = await client.onSecond.post('/api/client_schedule', bookingOf(client.id, 40), { 'idempotency-key': key });

    expect(original.status).toBe(202);
    expect(original.headers.get(REPLAYED)).toBeNull();
    expect(repeat.status).toBe(202);
    expect(repeat.headers.get(REPLAYED)).toBe('true');
    expect(repeat.body).toEqual(original.body);
    expect(await appointmentsOf(client.id)).toHaveLength(1);
    await expectOnlyMail(smtp, first.api, client.id, client.email);
  });

  it('takes the same body in another key order and spacing as the same request', async () => {
    const client = await clientWithKey();
    const key = newKey();
    const body = bookingOf(client.id, 42);

    const original = await client.onFirst.post('/api/client_schedule', body, { 'idempotency-key': key });
    const reordered = await client.onFirst.raw(
      'POST',
      '/api/client_schedule',
      JSON.stringify(Object.fromEntries(Object.entries(body).reverse()), null, 2),
      {
        'content-type': 'application/json',
        'idempotency-key': key,
      },
    );

    expect(original.status).toBe(202);
    expect(reordered.status).toBe(202);
    expect(reordered.headers.get(REPLAYED)).toBe('true');
  });

  it('lets exactly one of 20 concurrent repeats across two servers run: one hold, one email', async () => {
    const key = newKey();
    const email = `concurrent-${Date.now()}@guests.test`;
    const address = fromNewAddress();
    const body = { date, provider_id: provider.id, requested_slot: 44, client: { name: 'Concurrent Guest', email } };

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? second : first).anonymous.post('/api/client_schedule', body, { 'idempotency-key': key, ...address }),
      ),
    );

    const ran = answers.filter((a) => a.status === 202 && a.headers.get(REPLAYED) === null);
    const replayed = answers.filter((a) => a.status === 202 && a.headers.get(REPLAYED) === 'true');
    const inUse = answers.filter((a) => a.status === 409 && a.body.code === 'IDEMPOTENCY_KEY_IN_USE');
    expect(ran).toHaveLength(1);
    expect(replayed.length + inUse.length).toBe(19);
    for (const answer of replayed) expect(answer.body).toEqual(ran[0].body);
    const after = await second.anonymous.post('/api/client_schedule', body, { 'idempotency-key': key, ...address });
    expect(after.headers.get(REPLAYED)).toBe('true');
    expect(after.body).toEqual(ran[0].body);
    const guest = (await first.api.get(`/api/appointments/${ran[0].body.appointment_id}`)).body.client_id as number;
    await expectOnlyMail(smtp, first.api, guest, email);
  });

  it('refuses the same key with another body (422), and runs nothing', async () => {
    const client = await clientWithKey();
    const key = newKey();
    await client.onFirst.post('/api/client_schedule', bookingOf(client.id, 46), { 'idempotency-key': key });

    const other = await client.onSecond.post('/api/client_schedule', bookingOf(client.id, 47), { 'idempotency-key': key });

    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await appointmentsOf(client.id)).toHaveLength(1);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a space', 'two words'],
    ['a non-ASCII character', 'clé'],
  ])('refuses a key that is %s (400 naming the header), and runs nothing', async (_label, key) => {
    const client = await clientWithKey();

    const response = await client.onFirst.post('/api/client_schedule', bookingOf(client.id, 48), { 'idempotency-key': key });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'Idempotency-Key' }] });
    expect(await appointmentsOf(client.id)).toHaveLength(0);
  });

  it('accepts a key of 255 visible characters', async () => {
    const response = await first.api.post(
      '/api/clients',
      { name: 'Long Key', email: `long-${Date.now()}@mail.test` },
      { 'idempotency-key': '~'.repeat(255) },
    );

    expect(response.status).toBe(201);
  });

  it('keeps callers apart: two clients sending the same key each get their own booking', async () => {
    const [one, other] = [await clientWithKey(), await clientWithKey()];
    const key = newKey();

    const a = await one.onFirst.post('/api/client_schedule', bookingOf(one.id, 50), { 'idempotency-key': key });
    const b = await other.onSecond.post('/api/client_schedule', bookingOf(other.id, 52), { 'idempotency-key': key });

    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.headers.get(REPLAYED)).toBeNull();
    expect(b.body.appointment_id).not.toBe(a.body.appointment_id);
  });

  it('keeps guests at two network addresses apart under the same key', async () => {
    const key = newKey();
    const body = (email: string) => ({ date, provider_id: provider.id, requested_slot: 54, client: { name: 'Guest', email } });

    const a = await first.anonymous.post('/api/client_schedule', body(`a-${Date.now()}@guests.test`), {
      'idempotency-key': key,
      ...fromNewAddress(),
    });
    const b = await first.anonymous.post('/api/client_schedule', body(`b-${Date.now()}@guests.test`), {
      'idempotency-key': key,
      ...fromNewAddress(),
    });

    expect(a.status).toBe(202);
    // The second guest ran its own request: the slot was taken by the first (409), not a replay or a 422.
    expect(b.status).toBe(409);
    expect(b.body.code).toBe('SLOT_UNAVAILABLE');
    expect(b.headers.get(REPLAYED)).toBeNull();
  });

  it('keeps a 4xx answer and replays it, rather than running the request again', async () => {
    const client = await clientWithKey();
    const key = newKey();
    const taken = await client.onFirst.post('/api/client_schedule', bookingOf(client.id, 56));
    expect(taken.status).toBe(202);

    const refused = await client.onFirst.post('/api/client_schedule', bookingOf(client.id, 56), { 'idempotency-key': key });
    const again = await client.onSecond.post('/api/client_schedule', bookingOf(client.id, 56), { 'idempotency-key': key });

    expect(refused.status).toBe(409);
    expect(again.status).toBe(409);
    expect(again.headers.get(REPLAYED)).toBe('true');
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.text).toBe(refused.text);
  });

  it('creates one provider for a repeated POST /api/providers (no EMAIL_TAKEN on the retry)', async () => {
    const key = newKey();
    const body = { name: 'Dr. Once', email: `once-${Date.now()}@clinic.test` };

    const answers: ApiResponse[] = [];
    for (const app of [first, second]) answers.push(await app.api.post('/api/providers', body, { 'idempotency-key': key }));

    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(answers[1].body).toEqual(answers[0].body);
    expect(answers[1].headers.get(REPLAYED)).toBe('true');
  });

  it('replays a keyed cancel and a keyed walk-in check-in on the other server', async () => {
    const client = await clientWithKey();
    const held = await client.onFirst.post('/api/client_schedule', bookingOf(client.id, 58));
    const cancelKey = newKey();
    const checkInKey = newKey();

    const cancelled = await client.onFirst.post(
      `/api/appointments/${held.body.appointment_id}/cancel`,
      { reason: 'plans changed' },
      { 'idempotency-key': cancelKey },
    );
    const cancelAgain = await client.onSecond.post(
      `/api/appointments/${held.body.appointment_id}/cancel`,
      { reason: 'plans changed' },
      { 'idempotency-key': cancelKey },
    );
    const walkIn = { provider_id: provider.id, client_id: client.id };
    const checkedIn = await first.api.post('/api/queue/check_in', walkIn, { 'idempotency-key': checkInKey });
    const checkInAgain = await second.api.post('/api/queue/check_in', walkIn, { 'idempotency-key': checkInKey });

    expect([cancelled.status, cancelAgain.status]).toEqual([200, 200]);
    expect(cancelAgain.headers.get(REPLAYED)).toBe('true');
    expect(cancelAgain.body).toEqual(cancelled.body);
    expect([checkedIn.status, checkInAgain.status]).toEqual([201, 201]);
    expect(checkInAgain.headers.get(REPLAYED)).toBe('true');
    expect(checkInAgain.body).toEqual(checkedIn.body);
  });

  it('behaves as before without the header: a repeat runs again', async () => {
    const body = { name: 'No Key', email: `nokey-${Date.now()}@mail.test` };

    const created = await first.api.post('/api/clients', body);
    const again = await first.api.post('/api/clients', body);

    expect(created.status).toBe(201);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('EMAIL_TAKEN');
  });
});

/**
 * Two real server processes (src/main.ts, as in production) sharing the backend: the database store
 * across processes on SQLite, the Redis store on services.
 */
describeBackend('idempotency keys across two server processes', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let processes: AppProcess[];
  let admin: ApiClient;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    const env: Record<string, string | undefined> = {
      ...backend.env,
      NODE_ENV: 'test',
      SMTP_URL: await smtp.start(),
      RATE_LIMIT_PER_MINUTE: '100000',
      HOLD_REMINDER_SECONDS: '0',
    };
    processes = await Promise.all([startAppProcess(env), startAppProcess(env)]);
    admin = new ApiClient(processes[0].url, env.ADMIN_API_KEY);
  }, 120_000);

  afterAll(async () => {
    await Promise.all((processes ?? []).map((process) => process.stop()));
    await smtp?.stop();
    await backend?.dispose();
  });

  it('runs one of 20 concurrent repeats spread over both processes: one hold, one email', async () => {
    const provider = await createProvider(admin, { time_zone: 'UTC' });
    const client = await createClient(admin);
    const date = futureDate(25);
    await publish(admin, provider.id, date, '09:00', '12:00');
    const body = { date, provider_id: provider.id, client_id: client.id, requested_slot: 38 };
    const callers = processes.map((process) => new ApiClient(process.url, client.api_key));

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => callers[i % 2].post('/api/client_schedule', body, { 'idempotency-key': 'across-processes' })),
    );

    const ran = answers.filter((a) => a.status === 202 && a.headers.get(REPLAYED) === null);
    const others = answers.filter(
      (a) => (a.status === 202 && a.headers.get(REPLAYED) === 'true') || a.body.code === 'IDEMPOTENCY_KEY_IN_USE',
    );
    expect(ran).toHaveLength(1);
    expect(others).toHaveLength(19);
    await expectOnlyMail(smtp, admin, client.id, client.email);
  });
});
