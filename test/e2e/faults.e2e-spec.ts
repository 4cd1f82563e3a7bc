import { accessConfig } from '../../src/config/namespaces';
import { backendKind, createBackend, describeBackend, servicesConfigured, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, openIndexes, publish } from '../support/factories';
import { SseReader } from '../support/sse-reader';
import { SmtpSink } from '../support/smtp-sink';
import { StallingSmtpServer } from '../support/stalling-smtp';
import { startTestApp, TestApp } from '../support/test-app';
import { within } from '../support/expectations';
import { outboxRows } from '../support/outbox-load';

/** The overall deadline of a call to the mail server in these specs (OUTBOUND_TIMEOUT_SECONDS). */
const DEADLINE_MS = 1000;
/**
 * How far past the deadline a cut may land on a loaded machine, timed by the mail server from the stall
 * to the close: well short of the 10 s default deadline, so a product that ignores the setting fails.
 */
const OVERRUN_MS = 4000;
/** How long the answer may take on a loaded machine; whether it waited on the mail server is read otherwise. */
const ANSWER_WITHIN_MS = 10_000;
/**
 * How long a spec waits for the mail server to get the message, a connection to close or a shutdown to
 * end: room for a loaded machine, no deadline of the product's (those are read from the times recorded).
 */
const WAIT_MS = 20_000;
/** The longest wait after a first failed try (the contract: 1–2 s). */
const FIRST_RETRY_WITHIN_MS = 2000;

describeBackend('a mail server that takes the message and never answers', () => {
  let backend: TestBackend;
  let smtp: StallingSmtpServer;
  let smtpUrl: string;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new StallingSmtpServer();
    smtpUrl = await smtp.start();
  });

  afterAll(async () => {
    await smtp?.stop();
    await backend?.dispose();
  });

  const startApp = () =>
    startTestApp(backend.env, { env: { SMTP_URL: smtpUrl, OUTBOUND_TIMEOUT_SECONDS: String(DEADLINE_MS / 1000) }, logger: false });

  /** A provider with 09:00–09:30 open and a client who may ask for it. */
  async function scene(sut: TestApp, daysAhead: number) {
    const provider = await createProvider(sut.api);
    const client = await createClient(sut.api);
    const date = futureDate(daysAhead);
    await publish(sut.api, provider.id, date, '09:00', '09:30');
    const request = { date, provider_id: provider.id, client_id: client.id, requested_slot: 36 };
    return { provider, client, date, request };
  }

  describe('during a request', () => {
    let sut: TestApp;

    beforeAll(async () => {
      sut = await startApp();
    });

    afterAll(async () => {
      // Were the deadline missing, the app would wait on the mail server for good: hang up first.
      smtp.dropConnections();
      await sut?.close();
    });

    it('answers 202 at once, holding the slot, and the stalled send is cut at its deadline', async () => {
      const { provider, client, date, request } = await scene(sut, 81);
      const stalledBefore = smtp.stalled;

      // Whether the stalled send had been cut at its deadline when the answer came: a request that
      // waited on the mail server would answer only then. (Not a time limit on the answer, which a
      // loaded machine can make slow.)
      const answered = sut.api.post('/api/client_schedule', request).then((response) => ({
        response,
        sendCutFirst: smtp.stalled > stalledBefore && smtp.openConnections === 0,
      }));
      const { response, sendCutFirst } = await within(ANSWER_WITHIN_MS, answered);

      expect(response).toMatchObject({ status: 202, body: { status: 'pending', client_id: client.id } });
      expect(sendCutFirst).toBe(false);
      expect(await openIndexes(sut.api, provider.id, date)).toEqual([37]);
      // The email went to the mail server after the answer, and the connection went with the deadline.
      await smtp.waitForStalled(stalledBefore + 1, WAIT_MS);
      const stall = await smtp.waitForStallClosed(stalledBefore, WAIT_MS);
      expect(stall.closedAt - stall.stalledAt).toBeLessThan(DEADLINE_MS + OVERRUN_MS);
    });
  });

  describe('during shutdown', () => {
    it('closes by the deadline with a send stalled in hand, and hands that message back to be sent later', async () => {
      const sut = await startApp();
      let closing: Promise<void> | undefined;
      const sink = new SmtpSink();
      try {
        const { client, request } = await scene(sut, 83);
        const stalledBefore = smtp.stalled;
        const held = await sut.api.post('/api/client_schedule', request);
        expect(held.status).toBe(202);
        await smtp.waitForStalled(stalledBefore + 1, WAIT_MS);

        const closeStartedAt = Date.now();
        closing = sut.close();
        const closeEndedAt = await within(
          WAIT_MS,
          closing.then(() => Date.now()),
        );
        // The stop took the worker's grace (min(1.5 s, the deadline)) and the hand-back, not the send's stall.
        expect(closeEndedAt - closeStartedAt).toBeLessThan(DEADLINE_MS + OVERRUN_MS);
        const stall = await smtp.waitForStallClosed(stalledBefore, WAIT_MS);
        expect(stall.closedAt - stall.stalledAt).toBeLessThan(DEADLINE_MS + OVERRUN_MS);

        // No worker's lease is left on it: the next server need not wait one out. The send's 1 s deadline
        // began before the worker's 1 s grace did, so the send is mostly cut within the grace and its try
        // recorded, due again 1–2 s on; one still running when the grace ends is handed back, due at once.
        const rows = await outboxRows(backend.env);
        const readAt = Date.now();
        const link = rows.filter((row) => row.appointment_id === held.body.appointment_id && row.kind === 'validation');
        expect(link).toEqual([expect.objectContaining({ status: 'queued', attempts: 1, lease_until: null })]);
        const [{ last_error: error, next_attempt_at: nextAttemptAt }] = link;
        expect(error ?? 'handed back').toMatch(/^handed back$|^The mail server did not take the message: /);
        expect(nextAttemptAt).toBeLessThanOrEqual(error === null ? readAt : readAt + FIRST_RETRY_WITHIN_MS);

        // The next server to run sends it.
        const next = await startTestApp(backend.env, { env: { SMTP_URL: await sink.start() }, logger: false });
        try {
          const mail = await sink.waitFor(client.email, () => true, WAIT_MS);
          expect(mail.subject).toMatch(/^Confirm your appointment/);
        } finally {
          await next.close();
        }
      } finally {
        smtp.dropConnections();
        await (closing ?? sut.close());
        await sink.stop();
      }
    }, 60_000);
  });
});

describeBackend('one key opening more event streams than the contract allows (100)', () => {
  const CAP = 100;
  let backend: TestBackend;
  let instances: TestApp[];
  const streams: SseReader[] = [];

  beforeAll(async () => {
    backend = await createBackend();
    // On PostgreSQL and Redis the cap must hold across processes: the streams are spread over two.
    const count = backendKind() === 'services' && servicesConfigured() ? 2 : 1;
    instances = [];
    for (let i = 0; i < count; i++) instances.push(await startTestApp(backend.env, { logger: false }));
  });

  afterAll(async () => {
    streams.forEach((stream) => stream.close());
    for (const instance of instances ?? []) await instance.close();
    await backend?.dispose();
  });

  const open = (instance: TestApp, providerId: number, key: string) =>
    SseReader.open(`${instance.url}/api/queue/events?provider_id=${providerId}`, { authorization: `Bearer ${key}` });

  it('answers the 101st with 429 RATE_LIMITED problem+json and Retry-After, leaves other keys alone, and takes one more once one closes', async () => {
    const provider = await createProvider(instances[0].api);
    const opened = await Promise.all(
      Array.from({ length: CAP }, (_, i) => open(instances[i % instances.length], provider.id, provider.api_key)),
    );
    streams.push(...opened);
    expect(opened.map((stream) => stream.status)).toEqual(Array(CAP).fill(200));
    await Promise.all(opened.map((stream) => stream.until((event) => event.event === 'queue', 20_000)));

    for (const instance of instances) {
      const refused = await open(instance, provider.id, provider.api_key);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.problem).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    }

    // Another key (the administrator's) has places of its own.
    const admin = await open(instances[0], provider.id, instances[0].config(accessConfig).adminApiKey);
    streams.push(admin);
    expect(admin.status).toBe(200);

    // Closing a stream gives its place back; the server sees the close a moment later (a loaded one, later).
    opened[0].close();
    const deadline = Date.now() + 15_000;
    let reopened = await open(instances[instances.length - 1], provider.id, provider.api_key);
    while (reopened.status === 429 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      reopened = await open(instances[instances.length - 1], provider.id, provider.api_key);
    }
    streams.push(reopened);
    expect(reopened.status).toBe(200);
    await expect(open(instances[0], provider.id, provider.api_key)).resolves.toMatchObject({ status: 429 });
  });
});
