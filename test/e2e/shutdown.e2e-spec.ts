import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { ApiClient } from '../support/api-client';
import { AppProcess, Exit, startAppProcess } from '../support/app-process';
import { backendKind, createBackend, describeBackend, servicesConfigured, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { RawHttpConnection, requestText, whenRefusing } from '../support/raw-http';
import { StallingSmtpServer } from '../support/stalling-smtp';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp } from '../support/test-app';
import { expectUnavailableProblem } from '../support/expectations';

/** The contract: after SIGTERM the process exits 0 within 15 s, whatever clients, mail or Redis are doing. */
const EXIT_WITHIN_MS = 15_000;
/** How long this spec waits for the exit before it kills the process and reports it still running. */
const GIVE_UP_AFTER_MS = 25_000;
/** Requests in flight at SIGTERM, and requests sent at the very moment of it. */
const PARALLEL = 16;
const OUTBOUND_TIMEOUT_SECONDS = 2;

const uniqueEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@mail.test`;

/** Resolves whether a connection to `host`:`port` is refused. */
const refusedAt = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = connect(port, host);
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', () => resolve(true));
  });

/**
 * The real service (src/main.ts in a process of its own) stopped by SIGTERM while clients do everything
 * at once and its outbox worker waits on a stalled mail server: uploads in flight, pipelined requests,
 * requests sent at the very moment of the signal and after it, requests sent by halves that never
 * finish, and (on Redis) Redis going away during the drain. One process per back end, one signal.
 */
describeBackend('SIGTERM on the server process', () => {
  const withRedis = backendKind() === 'services' && servicesConfigured();
  let backend: TestBackend;
  let smtp: StallingSmtpServer;
  let redisProxy: TcpProxy | undefined;
  let sut: AppProcess;
  let adminKey: string;

  // What the clients saw, recorded once; each test below judges one part of it.
  let exit: Exit | 'still running';
  let exitedAfterMs: number;
  let refusingAfterMs: number;
  let otherAddressRefused: boolean;
  const uploads: { connection: RawHttpConnection; email: string }[] = [];
  const atTheSignal: RawHttpConnection[] = [];
  let pipelined: RawHttpConnection;
  let pipelinedEmail: string;
  let keptAlive: RawHttpConnection;
  let lateEmail: string;
  let halfHeaders: RawHttpConnection;
  let halfBody: RawHttpConnection;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new StallingSmtpServer();
    const env: Record<string, string | undefined> = {
      ...backend.env,
      HOST: '127.0.0.1',
      SMTP_URL: await smtp.start(),
      OUTBOUND_TIMEOUT_SECONDS: String(OUTBOUND_TIMEOUT_SECONDS),
    };
    if (withRedis) {
      // Redis through a proxy this spec can cut: Redis goes away while the server drains.
      const redis = new URL(backend.env.REDIS_URL!);
      redisProxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
      env.REDIS_URL = `redis://127.0.0.1:${await redisProxy.start()}`;
    }
    sut = await startAppProcess(env);
    adminKey = env.ADMIN_API_KEY!;
    const api = new ApiClient(sut.url, adminKey);
    const provider = await createProvider(api);
    const client = await createClient(api);
    const date = futureDate(90);
    await publish(api, provider.id, date, '09:00', '10:00');
    const auth = { authorization: `Bearer ${adminKey}` };

    otherAddressRefused = await refusedAt('127.0.0.2', Number(new URL(sut.url).port));

    // Requests sent by halves: headers that never end, a body that never comes whole.
    halfHeaders = await RawHttpConnection.open(sut.url);
    halfHeaders.write('GET /api/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    halfBody = await RawHttpConnection.open(sut.url);
    halfBody.write(requestText('POST', '/api/clients', auth, { name: 'Never Whole', email: uniqueEmail('half') }).slice(0, -10));

    // Uploads in flight: the server has read their headers (it said 100 Continue), their bodies follow the signal.
    for (let i = 0; i < PARALLEL; i++) {
      const email = uniqueEmail(`upload-${i}`);
      const connection = await RawHttpConnection.open(sut.url);
      const text = requestText('POST', '/api/clients', { ...auth, expect: '100-continue' }, { name: `Upload ${i}`, email });
      connection.write(text.slice(0, text.indexOf('\r\n\r\n') + 4));
      uploads.push({ connection, email });
    }
    await Promise.all(uploads.map(({ connection }) => connection.whenContinued()));

    // Three requests pipelined on one connection; the first one's email goes to the stalled mail server,
    // which the outbox worker is still waiting on when the signal comes.
    pipelinedEmail = uniqueEmail('pipelined');
    pipelined = await RawHttpConnection.open(sut.url);
    pipelined.write(
      requestText('POST', '/api/client_schedule', auth, { provider_id: provider.id, client_id: client.id, date, requested_slot: 36 }) +
        requestText('POST', '/api/clients', auth, { name: 'Pipelined', email: pipelinedEmail }) +
        requestText('GET', '/api/hello'),
    );
    await smtp.waitForStalled(1);

    // A connection kept alive after its answer, used again after the signal.
    keptAlive = await RawHttpConnection.open(sut.url);
    keptAlive.send('GET', '/api/hello');
    await keptAlive.responses(1);

    // Listings sent at the very moment of the signal, each on a connection of its own.
    for (let i = 0; i < PARALLEL; i++) atTheSignal.push(await RawHttpConnection.open(sut.url));
    atTheSignal.forEach((connection) => connection.send('GET', `/api/schedule?provider_id=${provider.id}&date=${date}`));
    const signalledAt = Date.now();
    sut.signal('SIGTERM');
    const exited = sut.exited.then((status) => {
      exitedAfterMs = Date.now() - signalledAt;
      return status;
    });

    await whenRefusing(sut.url);
    refusingAfterMs = Date.now() - signalledAt;
    uploads.forEach(({ connection, email }, i) => connection.write(JSON.stringify({ name: `Upload ${i}`, email })));
    lateEmail = uniqueEmail('late');
    keptAlive.write(requestText('POST', '/api/clients', auth, { name: 'Late', email: lateEmail }) + requestText('GET', '/api/hello'));
    if (redisProxy) {
      // Once the uploads are answered; the body sent by halves keeps the drain going for its 10 s.
      await Promise.all(uploads.map(({ connection }) => connection.whenClosed())).catch(() => undefined);
      await redisProxy.cut();
    }

    let giveUp: NodeJS.Timeout | undefined;
    const stillRunning = new Promise<'still running'>((resolve) => (giveUp = setTimeout(() => resolve('still running'), GIVE_UP_AFTER_MS)));
    exit = await Promise.race([exited, stillRunning]);
    clearTimeout(giveUp);
  }, 120_000);

  afterAll(async () => {
    for (const connection of [...uploads.map((upload) => upload.connection), ...atTheSignal, pipelined, keptAlive, halfHeaders, halfBody]) {
      connection?.close();
    }
    if (exit === 'still running') sut.signal('SIGKILL');
    await sut?.stop();
    await smtp?.stop();
    await redisProxy?.cut();
    await backend?.dispose();
  });

  it('listens on HOST only', () => {
    expect(otherAddressRefused).toBe(true);
  });

  it('exits with status 0 within 15 s', () => {
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitedAfterMs).toBeLessThan(EXIT_WITHIN_MS);
  });

  it('stops taking connections at once', () => {
    expect(refusingAfterMs).toBeLessThan(2000);
  });

  it(`answers all ${PARALLEL} uploads in flight at the signal, each closing its connection`, async () => {
    for (const { connection } of uploads) {
      const [answer] = await connection.responses(1, 0);
      expect({ status: answer.status, connection: answer.headers.connection }).toEqual({ status: 201, connection: 'close' });
      expect(connection.closed).toBe(true);
    }
  });

  it('answers every request pipelined before the signal, in order, then closes the connection', async () => {
    const [requested, created, hello] = await pipelined.responses(3, 0);
    // No request waits for the mail server: the hold was answered while its email stalled.
    expect(requested.status).toBe(202);
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body)).toMatchObject({ email: pipelinedEmail });
    expect(hello.status).toBe(200);
    expect(pipelined.answered).toMatchObject({ responses: { length: 3 }, trailingBytes: 0 });
    expect(pipelined.closed).toBe(true);
  });

  it('refuses what arrives on a kept-alive connection during the drain with 503 problem+json, carrying none of it out', async () => {
    const [before, ...refused] = keptAlive.answered.responses;
    expect(before.status).toBe(200);
    // The 503 may be ready before the request behind it is even read: it then closes the connection, and
    // that request goes unanswered and undone, as a client of a closing connection expects.
    expect(refused.length).toBeGreaterThanOrEqual(1);
    refused.forEach(expectUnavailableProblem);
    expect(refused[refused.length - 1].headers.connection).toBe('close');
    expect(keptAlive.answered.trailingBytes).toBe(0);
    expect(keptAlive.closed).toBe(true);
  });

  it('answers a request sent at the very moment of the signal whole (200, or 503 problem+json) or not at all, never cut short', () => {
    for (const connection of atTheSignal) {
      const { responses, trailingBytes } = connection.answered;
      expect(trailingBytes).toBe(0);
      expect(responses.length).toBeLessThanOrEqual(1);
      if (responses[0]?.status !== 200 && responses.length > 0) expectUnavailableProblem(responses[0]);
      expect(connection.closed).toBe(true);
    }
  });

  it('drops the requests never sent whole, without an answer', () => {
    for (const connection of [halfHeaders, halfBody]) {
      expect(connection.answered).toMatchObject({ responses: [], trailingBytes: 0 });
      expect(connection.closed).toBe(true);
    }
  });

  it('did what it answered it did, and nothing it refused', async () => {
    const after = await startTestApp(backend.env, { logger: false });
    try {
      for (const { connection } of uploads) {
        const [answer] = connection.answered.responses;
        await expect(after.api.get(`/api/clients/${JSON.parse(answer.body).id}`)).resolves.toMatchObject({ status: 200 });
      }
      const pipelinedId = JSON.parse(pipelined.answered.responses[1].body).id;
      await expect(after.api.get(`/api/clients/${pipelinedId}`)).resolves.toMatchObject({ status: 200, body: { email: pipelinedEmail } });
      // The address refused with 503 is still free.
      await expect(after.api.post('/api/clients', { name: 'Late', email: lateEmail })).resolves.toMatchObject({ status: 201 });
    } finally {
      await after.close();
    }
  });

  (withRedis ? it : it.skip)('closed its modules in time though Redis went away during the drain', () => {
    expect(sut.output()).toContain('Stopped');
    expect(sut.output()).not.toContain('did not close cleanly');
  });
});
