import { randomBytes } from 'node:crypto';
import { HttpDrain } from '../../src/common/http-drain';
import { JsonLogger } from '../../src/common/json-logger';
import { accessConfig, holdsConfig } from '../../src/config/namespaces';
import { startAppProcess } from '../support/app-process';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

type LogRecord = Record<string, any>;

/** What pino writes, kept line by line instead of going to stdout. */
class JsonLines {
  readonly lines: string[] = [];
  readonly stream = { write: (line: string) => void this.lines.push(line) };

  records(): LogRecord[] {
    return this.lines.map((line) => JSON.parse(line) as LogRecord);
  }

  /** The request lines of `requestId`; the line is written once the answer has left, so it may trail the answer. */
  async requestLines(requestId: string): Promise<LogRecord[]> {
    const find = () => this.records().filter((record) => record.req_id === requestId && record.context === 'HTTP');
    await until(() => find().length > 0, 10_000);
    return find();
  }

  /** Once a record matches (the outbox worker logs in the background), that record; undefined after `timeoutMs`. */
  async firstMatching(matches: (record: LogRecord) => boolean, timeoutMs = 20_000): Promise<LogRecord | undefined> {
    await until(() => this.records().some(matches), timeoutMs);
    return this.records().find(matches);
  }
}

/** Polls `condition` until it holds or `timeoutMs` has passed (the caller's assertion then says what was missing). */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const METRICS_TOKEN = `metrics-${randomBytes(16).toString('hex')}`;

/** The value of one series in a Prometheus text answer, or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describeBackend('operations: logs, health checks and metrics', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;
  const log = new JsonLines();

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    const smtpUrl = await smtp.start();
    // Production: JSON lines. The app's own logger, pino under the redaction, writing to `log`.
    sut = await startTestApp(backend.env, {
      env: { NODE_ENV: 'production', SMTP_URL: smtpUrl, METRICS_TOKEN },
      logger: new JsonLogger(log.stream),
    });
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  describe('logs', () => {
    it("answers each request with its id: the caller's when it is a sane short token, else a new one", async () => {
      const id = async (sent?: string) =>
        (await sut.anonymous.get('/api/hello', sent === undefined ? {} : { 'x-request-id': sent })).headers.get('x-request-id');
      await expect(id('lb-7f3a.2:1')).resolves.toBe('lb-7f3a.2:1');
      await expect(id()).resolves.toMatch(UUID);
      await expect(id('x'.repeat(65))).resolves.toMatch(UUID);
      await expect(id('two words')).resolves.toMatch(UUID);
      await expect(id('id"}{"level":"fatal')).resolves.toMatch(UUID);
      // A key sent there would be written on every line of the request.
      await expect(id(sut.config(accessConfig).adminApiKey)).resolves.toMatch(UUID);
      await expect(id(METRICS_TOKEN)).resolves.toMatch(UUID);
      await expect(id('prv_3q2-7wEtQnbFv6yGQk8yYb1JcHj0cX2mYV4a9xK1pZs')).resolves.toMatch(UUID);
    });

    it('writes one line per request, at info, with its id, method, route, path, status and duration', async () => {
      const provider = await createProvider(sut.api);
      const date = futureDate(10);
      const requests: [string, () => Promise<{ status: number }>, LogRecord][] = [
        [
          'read-provider',
          () => sut.api.get(`/api/providers/${provider.id}`, { 'x-request-id': 'read-provider' }),
          { method: 'GET', route: '/api/providers/:id', url: `/api/providers/${provider.id}`, status: 200 },
        ],
        [
          'list-slots',
          () => sut.anonymous.get(`/api/schedule?provider_id=${provider.id}&date=${date}`, { 'x-request-id': 'list-slots' }),
          { method: 'GET', route: '/api/schedule', url: '/api/schedule', status: 200 },
        ],
        [
          'bad-body',
          () => sut.anonymous.post('/api/validate', {}, { 'x-request-id': 'bad-body' }),
          { method: 'POST', route: '/api/validate', url: '/api/validate', status: 400 },
        ],
        [
          'no-route',
          () => sut.anonymous.get('/api/nowhere?x=1', { 'x-request-id': 'no-route' }),
          { method: 'GET', route: null, url: '/api/nowhere', status: 404 },
        ],
      ];
      for (const [id, send, expected] of requests) {
        expect((await send()).status).toBe(expected.status);
        const lines = await log.requestLines(id);
        expect(lines).toEqual([
          {
            ...expected,
            level: 'info',
            time: expect.any(String),
            pid: process.pid,
            hostname: expect.any(String),
            context: 'HTTP',
            req_id: id,
            duration_ms: expect.any(Number),
            msg: expect.stringMatching(new RegExp(`^${expected.method} ${expected.url} ${expected.status} \\d+\\.\\d ms$`)),
          },
        ]);
      }
    });

    it("puts the id on the request's lines, and never on the outbox worker's, which sends after the request", async () => {
      const provider = await createProvider(sut.api);
      const client = await createClient(sut.api);
      const date = futureDate(11);
      await publish(sut.api, provider.id, date, '09:00', '10:00');
      smtp.refusedRecipients.add(client.email);
      const response = await sut.api.post(
        '/api/client_schedule',
        { date, provider_id: provider.id, client_id: client.id, requested_slot: 36 },
        { 'x-request-id': 'refused-mail' },
      );
      // No request waits for the mail server: the refusal comes later, to the worker.
      expect(response.status).toBe(202);
      await log.requestLines('refused-mail');
      expect(
        log
          .records()
          .filter((record) => record.req_id === 'refused-mail')
          .at(-1),
      ).toMatchObject({ context: 'HTTP', status: 202 });
      const refusal = await log.firstMatching((record) => record.context === 'Delivery' && /failed for good/.test(String(record.msg)));
      expect(refusal).toMatchObject({ level: 'error' });
      expect(refusal?.req_id).toBeUndefined();
      expect(log.lines.join('')).not.toContain(client.email);
    });

    it('shows no key, token or secret, whatever the requests carried', async () => {
      const provider = await createProvider(sut.api);
      const client = await createClient(sut.api);
      const date = futureDate(12);
      await publish(sut.api, provider.id, date, '09:00', '10:00');
      const held = await sut.anonymous
        .as(client.api_key)
        .post('/api/client_schedule', { date, provider_id: provider.id, client_id: client.id, requested_slot: 36 });
      expect(held.status).toBe(202);
      const link = validationLink(await smtp.waitFor(client.email));
      const token = new URL(link).searchParams.get('token')!;
      expect((await fetch(`${sut.url}/api/validate?token=${token}`)).status).toBe(200);
      expect((await sut.anonymous.post('/api/validate', { token })).status).toBe(200);
      const stream = new AbortController();
      const events = await fetch(`${sut.url}/api/queue/events?provider_id=${provider.id}&access_token=${provider.api_key}`, {
        signal: stream.signal,
      });
      expect(events.status).toBe(200);
      stream.abort();
      expect((await sut.anonymous.as(METRICS_TOKEN).get('/api/metrics')).status).toBe(200);
      expect((await sut.anonymous.as('not-the-metrics-token').get('/api/metrics')).status).toBe(401);

      const text = log.lines.join('');
      const secrets = [
        token,
        sut.config(accessConfig).adminApiKey,
        sut.config(holdsConfig).jwtSecret,
        provider.api_key,
        client.api_key,
        METRICS_TOKEN,
        client.email,
        provider.email,
      ];
      for (const secret of secrets) expect(text).not.toContain(secret);
      // Every line, start-up included, is one JSON object.
      expect(log.lines.length).toBeGreaterThan(10);
      for (const line of log.lines) expect(() => JSON.parse(line)).not.toThrow();
    });
  });

  describe('health', () => {
    it('answers liveness, readiness and the health check while the backing services answer', async () => {
      await expect(sut.anonymous.get('/api/health/live')).resolves.toMatchObject({ status: 200, body: { status: 'ok' } });
      const checks = { database: 'ok', hold_store: 'ok' };
      await expect(sut.anonymous.get('/api/health/ready')).resolves.toMatchObject({ status: 200, body: { status: 'ok', checks } });
      await expect(sut.anonymous.get('/api/health')).resolves.toMatchObject({ status: 200, body: { status: 'ok', checks } });
    });
  });

  describe('metrics', () => {
    it.each([
      { name: 'no key', key: () => undefined },
      { name: 'a wrong token', key: () => `${METRICS_TOKEN}x` },
    ])('refuses $name: 401 UNAUTHENTICATED, problem+json', async ({ key }) => {
      const response = await sut.anonymous.as(key()).get('/api/metrics');
      expect(response).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it("refuses a provider's or a client's key (403), and the token given in the query (401)", async () => {
      const provider = await createProvider(sut.api);
      const client = await createClient(sut.api);
      await expect(sut.anonymous.as(provider.api_key).get('/api/metrics')).resolves.toMatchObject({
        status: 403,
        body: { code: 'FORBIDDEN' },
      });
      await expect(sut.anonymous.as(client.api_key).get('/api/metrics')).resolves.toMatchObject({
        status: 403,
        body: { code: 'FORBIDDEN' },
      });
      await expect(sut.anonymous.get(`/api/metrics?access_token=${METRICS_TOKEN}`)).resolves.toMatchObject({ status: 401 });
    });

    it('answers the administrator and the metrics token in the Prometheus text format', async () => {
      for (const api of [sut.api, sut.anonymous.as(METRICS_TOKEN)]) {
        const response = await api.get('/api/metrics');
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        expect(response.text).toContain('# TYPE http_request_duration_seconds histogram');
        // The process's own: CPU, memory, event loop.
        expect(response.text).toMatch(/^process_cpu_user_seconds_total \d/m);
        expect(response.text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
      }
    });

    it('counts request durations by route pattern and status, holds claimed and who waits in each queue', async () => {
      const scrape = async () => (await sut.api.get('/api/metrics')).text;
      const provider = await createProvider(sut.api);
      const client = await createClient(sut.api);
      const date = futureDate(13);
      await publish(sut.api, provider.id, date, '09:00', '10:00');
      const claimedBefore = sample(await scrape(), 'scheduler_holds_claimed_total') ?? 0;
      const request = (slot: number) =>
        sut.api.post('/api/client_schedule', { date, provider_id: provider.id, client_id: client.id, requested_slot: slot });
      expect((await request(36)).status).toBe(202);
      expect((await request(36)).status).toBe(409);
      await sut.api.get(`/api/providers/${provider.id}`);
      await sut.anonymous.get(`/api/unknown/${randomBytes(4).toString('hex')}`);
      const walkIn = await sut.api.post('/api/queue/check_in', { provider_id: provider.id, client_id: client.id });
      expect(walkIn.status).toBe(201);

      const text = await scrape();
      expect(sample(text, 'scheduler_holds_claimed_total')).toBe(claimedBefore + 1);
      expect(sample(text, `scheduler_queue_waiting{provider_id="${provider.id}",date="${walkIn.body.date}"}`)).toBe(1);
      expect(
        sample(text, 'http_request_duration_seconds_count{method="GET",route="/api/providers/:id",status_code="200"}'),
      ).toBeGreaterThan(0);
      expect(
        sample(text, 'http_request_duration_seconds_count{method="POST",route="/api/client_schedule",status_code="409"}'),
      ).toBeGreaterThan(0);
      expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}')).toBeGreaterThan(0);
      // Patterns, never raw URLs: one series per route, not per id.
      expect(text).not.toContain(`route="/api/providers/${provider.id}"`);
      expect(text).not.toContain('/api/unknown/');
    });

    it('shows the outbox: what waits, what failed, and the tries of this process by outcome', async () => {
      const scrape = async () => (await sut.api.get('/api/metrics')).text;
      const provider = await createProvider(sut.api);
      const client = await createClient(sut.api);
      const date = futureDate(14);
      await publish(sut.api, provider.id, date, '09:00', '10:00');
      const sentBefore = sample(await scrape(), 'scheduler_outbox_tries_total{channel="email",outcome="sent"}') ?? 0;
      const request = await sut.api.post('/api/client_schedule', {
        date,
        provider_id: provider.id,
        client_id: client.id,
        requested_slot: 36,
      });
      expect(request.status).toBe(202);

      // The validation email leaves at once; its try is counted when it is marked sent.
      let text = '';
      await until(async () => {
        text = await scrape();
        return (sample(text, 'scheduler_outbox_tries_total{channel="email",outcome="sent"}') ?? 0) > sentBefore;
      }, 20_000);
      // At least this one (another spec's email may have been in flight when the count was first read).
      expect(sample(text, 'scheduler_outbox_tries_total{channel="email",outcome="sent"}')).toBeGreaterThanOrEqual(sentBefore + 1);
      expect(sample(text, 'scheduler_outbox_messages{status="queued"}')).toEqual(expect.any(Number));
      expect(sample(text, 'scheduler_outbox_messages{status="failed"}')).toEqual(expect.any(Number));
      expect(sample(text, 'scheduler_outbox_oldest_due_seconds')).toBeGreaterThanOrEqual(0);
    });
  });

  describe('beside a load balancer', () => {
    it('never rate limits the health routes, while the other routes are limited', async () => {
      const limited = await startTestApp(backend.env, {
        env: { RATE_LIMIT_PER_MINUTE: '5' },
        logger: new JsonLogger(new JsonLines().stream),
      });
      try {
        for (const path of ['/api/health/live', '/api/health/ready', '/api/health']) {
          const statuses = await Promise.all(
            Array.from({ length: 20 }, () => limited.anonymous.get(path).then((response) => response.status)),
          );
          expect(new Set(statuses)).toEqual(new Set([200]));
        }
        const hello = await Promise.all(
          Array.from({ length: 20 }, () => limited.anonymous.get('/api/hello').then((response) => response.status)),
        );
        expect(hello).toContain(429);
      } finally {
        await limited.close();
      }
    });

    it('while draining, readiness answers 503 problem+json and liveness still 200', async () => {
      const draining = await startTestApp(backend.env, { logger: new JsonLogger(new JsonLines().stream) });
      try {
        await expect(draining.anonymous.get('/api/health/ready')).resolves.toMatchObject({ status: 200 });
        // What a stop does first (src/shutdown.ts); the server still takes connections here, as a load balancer's would be kept alive.
        draining.app.get(HttpDrain).begin();
        const ready = await draining.anonymous.get('/api/health/ready');
        expect(ready).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
        expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        await expect(draining.anonymous.get('/api/health/live')).resolves.toMatchObject({ status: 200, body: { status: 'ok' } });
        await expect(draining.anonymous.get('/api/hello')).resolves.toMatchObject({ status: 503 });
      } finally {
        await draining.close();
      }
    });
  });
});

describeBackend('operations: the production process', () => {
  it('logs JSON lines only, then says once listening what it runs on, and logs requests without their query', async () => {
    const backend = await createBackend();
    const process = await startAppProcess({ ...backend.env, NODE_ENV: 'production', METRICS_TOKEN });
    try {
      const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
      const response = await fetch(`${process.url}/api/validate?token=${token}`, { headers: { 'x-request-id': 'from-the-balancer' } });
      expect(response.headers.get('x-request-id')).toBe('from-the-balancer');
      await until(() => process.output().includes('"req_id":"from-the-balancer"'), 15_000);

      const lines = process
        .output()
        .split('\n')
        .filter((line) => line !== '');
      const records = lines.map((line) => JSON.parse(line) as LogRecord);
      const lastRoute = records.map((record) => record.context).lastIndexOf('RouterExplorer');
      const banner = records.filter((record) => record.context === 'Bootstrap');
      expect(lastRoute).toBeGreaterThan(0);
      expect(records.indexOf(banner[0])).toBeGreaterThan(lastRoute);
      const said = banner.map((record) => record.msg as string).join('\n');
      expect(said).toMatch(/^Database: (SQLite at \/|PostgreSQL at 127\.0\.0\.1:\d+, database \w+)/m);
      expect(said).toMatch(/^Hold store: (in process|Redis at [\w.]+:\d+)/m);
      expect(said).toMatch(/^Mail: written to \//m);
      expect(said).toMatch(/^Text messages: written to \//m);
      expect(said).toContain(`Docs: ${process.url}/api/docs`);
      expect(said).toContain('Administrator key: kept in the ADMIN_API_KEY setting');
      expect(records.find((record) => record.req_id === 'from-the-balancer')).toMatchObject({
        level: 'info',
        context: 'HTTP',
        route: '/api/validate',
        url: '/api/validate',
        status: 401,
      });
      const output = process.output();
      for (const secret of [token, backend.env.ADMIN_API_KEY!, backend.env.JWT_SECRET!, METRICS_TOKEN])
        expect(output).not.toContain(secret);
    } finally {
      await process.stop();
      await backend.dispose();
    }
  }, 90_000);
});
