import { backendKind, createBackend, describeBackend, servicesConfigured, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, openIndexes, publish } from '../support/factories';
import { outboxRowsWhen } from '../support/outbox-rows';
import { SmtpSink, validationLink } from '../support/smtp-sink';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, TestApp } from '../support/test-app';
import { within } from '../support/expectations';

const describeServices = backendKind() === 'services' && servicesConfigured() ? describe : describe.skip;

describeBackend('a mail server that refuses for a while', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    sut = await startTestApp(backend.env, { env: { SMTP_URL: await smtp.start() } });
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  it('still holds the slot at once, and the email arrives once when the server takes mail again', async () => {
    const provider = await createProvider(sut.api);
    const client = await createClient(sut.api);
    const date = futureDate(80);
    await publish(sut.api, provider.id, date, '09:00', '09:30');

    smtp.refuse = true;
    // Well inside the mail's 10 s deadline, which a request that waited for the mail server would wait out;
    // a loaded machine may take a few seconds over any request.
    const held = await within(
      8_000,
      sut.api.post('/api/client_schedule', { date, provider_id: provider.id, client_id: client.id, requested_slot: 36 }),
    );
    expect(held).toMatchObject({ status: 202, body: { status: 'pending' } });
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([37]);
    // Refused at least once (the first try starts at the commit): its outbox row says so.
    await outboxRowsWhen(sut.app, provider.id, (rows) => rows.some((row) => row.kind === 'validation' && row.last_error !== null));
    expect(smtp.to(client.email)).toEqual([]);

    smtp.refuse = false;
    const mail = await smtp.waitFor(client.email, () => true, 15_000);
    await expect(sut.api.post('/api/validate', { token: new URL(validationLink(mail)).searchParams.get('token') })).resolves.toMatchObject({
      status: 200,
      body: { status: 'confirmed' },
    });
    const confirmation = await smtp.waitFor(client.email, (m) => m.subject?.startsWith('Appointment confirmed') ?? false);
    expect(confirmation.messageId).not.toBe(mail.messageId);
    // Once each: the refused tries sent nothing.
    expect(smtp.to(client.email)).toHaveLength(2);
  }, 60_000);
});

describeServices('Redis or PostgreSQL going down', () => {
  let backend: TestBackend;
  let redisProxy: TcpProxy;
  let postgresProxy: TcpProxy;
  let sut: TestApp;
  let providerId: number;
  let clientId: number;
  const date = futureDate(81);

  beforeAll(async () => {
    backend = await createBackend();
    const redisUrl = new URL(backend.env.REDIS_URL!);
    const databaseUrl = new URL(backend.env.DATABASE_URL!);
    redisProxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    postgresProxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
    redisUrl.port = String(await redisProxy.start());
    databaseUrl.port = String(await postgresProxy.start());
    sut = await startTestApp({ ...backend.env, REDIS_URL: redisUrl.toString(), DATABASE_URL: databaseUrl.toString() });
    providerId = (await createProvider(sut.api)).id;
    clientId = (await createClient(sut.api)).id;
    await publish(sut.api, providerId, date, '09:00', '10:00');
  });

  afterAll(async () => {
    await sut?.close();
    await redisProxy?.cut();
    await postgresProxy?.cut();
    await backend?.dispose();
  });

  it('answers 503 without Redis, never "free", and recovers when it is back', async () => {
    await redisProxy.cut();
    const listing = await within(5000, sut.api.get(`/api/schedule?provider_id=${providerId}&date=${date}`));
    expect(listing).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
    const request = await within(
      5000,
      sut.api.post('/api/client_schedule', { date, provider_id: providerId, client_id: clientId, requested_slot: 36 }),
    );
    expect(request).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
    const health = await within(5000, sut.api.get('/api/health'));
    expect(health).toMatchObject({ status: 503, body: { status: 'unavailable', checks: { database: 'ok', hold_store: 'down' } } });

    await redisProxy.restore();
    await waitFor(async () => (await sut.api.get('/api/health')).status === 200);
    await expect(
      sut.api.post('/api/client_schedule', { date, provider_id: providerId, client_id: clientId, requested_slot: 36 }),
    ).resolves.toMatchObject({ status: 202 });
    await expect(sut.api.get('/api/appointments?client_id=' + clientId)).resolves.toMatchObject({
      body: { items: [expect.objectContaining({ status: 'pending', start_time: '09:00' })] },
    });
  });

  it('answers 503 without PostgreSQL and recovers when it is back', async () => {
    await postgresProxy.cut();
    const listing = await within(8000, sut.api.get(`/api/schedule?provider_id=${providerId}&date=${date}`));
    expect(listing).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
    const created = await within(8000, sut.api.post('/api/clients', { name: 'Nobody', email: 'nobody@mail.test' }));
    expect(created).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
    const health = await within(8000, sut.api.get('/api/health'));
    expect(health).toMatchObject({ status: 503, body: { checks: { database: 'down', hold_store: 'ok' } } });

    await postgresProxy.restore();
    await waitFor(async () => (await sut.api.get('/api/health')).status === 200);
    await expect(sut.api.post('/api/clients', { name: 'Nobody', email: 'nobody@mail.test' })).resolves.toMatchObject({ status: 201 });
  });
});

/** Waits for the service to see a backing service again (its clients reconnect with back-off), generously for a loaded machine. */
async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
