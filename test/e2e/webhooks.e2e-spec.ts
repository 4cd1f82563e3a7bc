import { Webhook } from 'standardwebhooks';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { SmtpSink, validationLink } from '../support/smtp-sink';
import { TestClock } from '../support/test-clock';
import { startTestApp, TestApp } from '../support/test-app';
import { answerWith, ReceivedCall, WebhookReceiver } from '../support/webhook-receiver';

/** WEBHOOK_MAX_PER_PROVIDER's default, which this spec's app keeps. */
const MAX_WEBHOOKS_PER_OWNER = 10;
/** How long a call waits for the receiver's answer (the contract's 10 s). */
const WEBHOOK_DEADLINE_MS = 10_000;
/** How far past its deadline a cut may land on a loaded machine, timed by the receiver. */
const OVERRUN_MS = 4000;

interface Delivery {
  id: number;
  channel: string;
  kind: string;
  appointment_id: number | null;
  recipient: string;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
}

const APPOINTMENT_EVENTS = [
  'appointment.requested',
  'appointment.confirmed',
  'appointment.cancelled',
  'appointment.rescheduled',
  'appointment.expired',
];
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const DAY_MS = 24 * 60 * 60_000;

const bodyOf = (call: ReceivedCall) => JSON.parse(call.body) as { type: string; timestamp: string; data: any };

/** Verified by the Standard Webhooks reference library, not by our own code: throws when the signature is wrong. */
function verified(secret: string, call: ReceivedCall): unknown {
  return new Webhook(secret).verify(call.body, call.headers as Record<string, string>);
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Webhooks end to end: a real receiver, the real app's outbox workers, and signatures checked by the standardwebhooks package. */
describeBackend('webhooks', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let receiver: WebhookReceiver;
  let sut: TestApp;
  let date: string;
  let provider: Awaited<ReturnType<typeof createProvider>>;
  let other: Awaited<ReturnType<typeof createProvider>>;
  let slot = 36;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    receiver = new WebhookReceiver();
    await receiver.start();
    sut = await startTestApp(backend.env, {
      env: { SMTP_URL: await smtp.start(), WEBHOOK_ALLOW_PRIVATE: 'true', HOLD_REMINDER_SECONDS: '0' },
    });
    date = futureDate(20);
    [provider, other] = [await createProvider(sut.api), await createProvider(sut.api)];
    await publish(sut.api, provider.id, date, '09:00', '17:00');
    await publish(sut.api, other.id, date, '09:00', '17:00');
  });

  afterAll(async () => {
    await sut?.close();
    await receiver?.stop();
    await smtp?.stop();
    await backend?.dispose();
  });

  async function subscribe(body: Record<string, unknown>, api = sut.api) {
    const created = await api.post('/api/webhooks', body);
    expect(created.status).toBe(201);
    return created.body as { id: number; secret: string; url: string; events: string[]; provider_id: number | null; active: boolean };
  }

  async function deliveriesOf(webhookId: number, api = sut.api): Promise<Delivery[]> {
    const listed = await api.get(`/api/webhooks/${webhookId}/deliveries`);
    expect(listed.status).toBe(200);
    return listed.body.items;
  }

  async function settledDelivery(webhookId: number, id: number, settled: (d: Delivery) => boolean, timeoutMs = 10_000): Promise<Delivery> {
    return until(async () => (await deliveriesOf(webhookId)).find((d) => d.id === id && settled(d)), `delivery ${id} settled`, timeoutMs);
  }

  async function callFor(path: string, type: string, id: number): Promise<ReceivedCall> {
    return until(
      async () => receiver.callsTo(path).find((call) => bodyOf(call).type === type && bodyOf(call).data.id === id),
      `${type} of ${id} at ${path}`,
    );
  }

  async function request(providerId: number, clientId: number): Promise<number> {
    const held = await sut.api.post('/api/client_schedule', { date, provider_id: providerId, client_id: clientId, requested_slot: slot++ });
    expect(held.status).toBe(202);
    return held.body.appointment_id as number;
  }

  it("delivers every appointment event and queue.called, signed, with the appointment as GET shows it; a provider's hook hears only its own", async () => {
    const all = await subscribe({ url: receiver.url('/all'), events: [...APPOINTMENT_EVENTS, 'queue.called'] });
    const own = await subscribe(
      { url: receiver.url('/own'), events: ['appointment.confirmed', 'queue.called'], provider_id: provider.id },
      sut.api.as(provider.api_key),
    );
    expect(own).toMatchObject({ provider_id: provider.id, active: true, events: ['appointment.confirmed', 'queue.called'] });
    const client = await createClient(sut.api);

    const appointmentId = await request(provider.id, client.id);
    const requested = await callFor('/all', 'appointment.requested', appointmentId);
    const pendingView = (await sut.api.get(`/api/appointments/${appointmentId}`)).body;
    expect(bodyOf(requested)).toEqual({ type: 'appointment.requested', timestamp: expect.stringMatching(ISO_INSTANT), data: pendingView });
    expect(pendingView.status).toBe('pending');
    expect(verified(all.secret, requested)).toEqual(bodyOf(requested));
    expect(requested.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': expect.any(String),
      'webhook-timestamp': expect.stringMatching(/^\d{10}$/),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
    expect(Math.abs(Number(requested.headers['webhook-timestamp']) * 1000 - requested.at)).toBeLessThan(5000);

    const mail = await smtp.waitFor(client.email);
    const token = new URL(validationLink(mail)).searchParams.get('token');
    expect((await sut.anonymous.post('/api/validate', { token })).status).toBe(200);
    const confirmed = await callFor('/all', 'appointment.confirmed', appointmentId);
    const confirmedView = (await sut.api.get(`/api/appointments/${appointmentId}`)).body;
    expect(bodyOf(confirmed).data).toEqual(confirmedView);
    expect(verified(all.secret, confirmed)).toBeTruthy();
    const confirmedToOwn = await callFor('/own', 'appointment.confirmed', appointmentId);
    expect(verified(own.secret, confirmedToOwn)).toEqual(
      bodyOf(confirmed).type === 'appointment.confirmed' ? bodyOf(confirmedToOwn) : null,
    );
    // Each subscription's call has its own id, and its own secret signs it.
    expect(confirmedToOwn.headers['webhook-id']).not.toBe(confirmed.headers['webhook-id']);
    expect(() => verified(all.secret, confirmedToOwn)).toThrow();

    const moved = await sut.api.post(`/api/appointments/${appointmentId}/reschedule`, { date, requested_slot: slot++ });
    expect(moved.status).toBe(200);
    const rescheduled = await callFor('/all', 'appointment.rescheduled', appointmentId);
    expect(bodyOf(rescheduled).data).toEqual(moved.body);
    expect(verified(all.secret, rescheduled)).toBeTruthy();

    const cancelled = await sut.api.post(`/api/appointments/${appointmentId}/cancel`, { reason: 'Feeling better' });
    expect(cancelled.status).toBe(200);
    const cancellation = await callFor('/all', 'appointment.cancelled', appointmentId);
    expect(bodyOf(cancellation).data).toEqual(cancelled.body);
    expect(bodyOf(cancellation).data).toMatchObject({ status: 'cancelled', cancellation_reason: 'Feeling better' });
    expect(verified(all.secret, cancellation)).toBeTruthy();

    // Another provider's event reaches the administrator's hook of every provider, not this provider's.
    const othersId = await request(other.id, client.id);
    await callFor('/all', 'appointment.requested', othersId);

    // The queue: a walk-in called by the provider.
    const walkIn = await sut.api.post('/api/queue/check_in', { provider_id: provider.id, client_id: client.id });
    expect(walkIn.status).toBe(201);
    expect((await sut.api.post('/api/queue/next', { provider_id: provider.id })).status).toBe(200);
    const called = await until(
      async () =>
        receiver
          .callsTo('/all')
          .find((call) => bodyOf(call).type === 'queue.called' && bodyOf(call).data.entry_id === walkIn.body.entry_id),
      'queue.called',
    );
    expect(bodyOf(called).data).toMatchObject({
      entry_id: walkIn.body.entry_id,
      provider_id: provider.id,
      client_id: client.id,
      appointment_id: null,
      status: 'called',
      position: 0,
    });
    const entryNow = (await sut.api.get(`/api/queue/entries/${walkIn.body.entry_id}`)).body;
    expect(Object.keys(bodyOf(called).data).sort()).toEqual(Object.keys(entryNow).sort());
    expect(verified(all.secret, called)).toBeTruthy();
    const calledToOwn = await until(
      async () => receiver.callsTo('/own').find((call) => bodyOf(call).type === 'queue.called'),
      'queue.called to /own',
    );
    expect(verified(own.secret, calledToOwn)).toBeTruthy();

    // Only what it subscribed to, of its own provider.
    expect(receiver.callsTo('/own').map((call) => bodyOf(call).type)).toEqual(['appointment.confirmed', 'queue.called']);
    expect(receiver.callsTo('/own').some((call) => bodyOf(call).data.id === othersId)).toBe(false);

    // The delivery log: each call once, sent, the host shown.
    const log = await until(async () => {
      const items = await deliveriesOf(all.id);
      return items.length === 6 && items.every((d) => d.status === 'sent') ? items : undefined;
    }, 'six sent calls in the log');
    expect(log.map((d) => [d.channel, d.kind, d.recipient, d.attempts, d.last_error])).toEqual(
      Array(6).fill(['webhook', 'webhook', `127.0.0.1:${receiver.port}`, 1, null]),
    );
    expect(log.filter((d) => d.appointment_id === appointmentId)).toHaveLength(4);
    const ownLog = await deliveriesOf(own.id, sut.api.as(provider.api_key));
    expect(ownLog).toHaveLength(2);
    // The provider's key sees its own hook's calls in GET /api/deliveries too, never the administrator's.
    const providersDeliveries = await sut.api.as(provider.api_key).get('/api/deliveries?channel=webhook');
    expect(providersDeliveries.body.items.map((d: Delivery) => d.id).sort()).toEqual(ownLog.map((d) => d.id).sort());
  });

  it('sends a test ping through the outbox and lists it in the delivery log', async () => {
    const hook = await subscribe({ url: receiver.url('/ping'), events: ['appointment.confirmed'], provider_id: provider.id });
    const ping = await sut.api.as(provider.api_key).post(`/api/webhooks/${hook.id}/test`);
    expect(ping.status).toBe(202);
    expect(ping.body).toMatchObject({ channel: 'webhook', kind: 'webhook', status: 'queued', recipient: `127.0.0.1:${receiver.port}` });
    const [call] = await receiver.waitForCalls('/ping');
    expect(verified(hook.secret, call)).toEqual({
      type: 'ping',
      timestamp: expect.stringMatching(ISO_INSTANT),
      data: { webhook_id: hook.id },
    });
    await expect(settledDelivery(hook.id, ping.body.id, (d) => d.status === 'sent')).resolves.toMatchObject({ attempts: 1 });
  });

  it('retries a receiver that fails with the same webhook-id, each try signed afresh', async () => {
    receiver.answer('/flaky', (response, n) => answerWith(n === 1 ? 500 : 200, n === 1 ? 'database is down' : 'ok')(response));
    const hook = await subscribe({ url: receiver.url('/flaky'), events: ['ping'] });
    const ping = await sut.api.post(`/api/webhooks/${hook.id}/test`);
    const [first, second] = await receiver.waitForCalls('/flaky', 2);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);
    expect(verified(hook.secret, first)).toEqual(verified(hook.secret, second));
    const delivery = await settledDelivery(hook.id, ping.body.id, (d) => d.status === 'sent');
    expect(delivery).toMatchObject({ attempts: 2, last_error: null });
    // The failure cleared by the success: the endpoint is healthy.
    expect((await sut.api.get(`/api/webhooks/${hook.id}`)).body).toMatchObject({ active: true, failing_since: null });
  });

  it('cuts a receiver that does not answer at 10 s, records the timeout, and tries again', async () => {
    receiver.answer('/hang', (response, n) => {
      if (n > 1) answerWith(204)(response);
    });
    const hook = await subscribe({ url: receiver.url('/hang'), events: ['ping'] });
    const ping = await sut.api.post(`/api/webhooks/${hook.id}/test`);
    const [first] = await receiver.waitForCalls('/hang', 1);
    // The cut comes 10 s after the call; the rest of the wait is room for a loaded machine.
    const timedOut = await settledDelivery(hook.id, ping.body.id, (d) => d.last_error !== null, 25_000);
    expect(timedOut).toMatchObject({ status: 'queued', attempts: 1, last_error: 'Timed out: no answer within 10 s' });
    // Cut at 10 s, timed by the receiver from the call to the caller hanging up: not before, and not
    // much after (a loaded machine notices late, by far less than a second deadline's worth).
    const { closedAt } = await receiver.waitForClose(first);
    expect(closedAt - first.at).toBeLessThan(WEBHOOK_DEADLINE_MS + OVERRUN_MS);
    const [, retry] = await receiver.waitForCalls('/hang', 2);
    // Then tried again, never before the cut.
    expect(retry.at - first.at).toBeGreaterThanOrEqual(WEBHOOK_DEADLINE_MS);
    expect(retry.headers['webhook-id']).toBe(first.headers['webhook-id']);
    await expect(settledDelivery(hook.id, ping.body.id, (d) => d.status === 'sent')).resolves.toMatchObject({ attempts: 2 });
  }, 60_000);

  it('follows no redirect, and keeps at most 200 characters of an answer', async () => {
    receiver.answer('/moved', (response) => response.writeHead(302, { location: receiver.url('/elsewhere') }).end('see elsewhere'));
    receiver.answer('/verbose', answerWith(500, `Internal error: ${'x'.repeat(5000)}`));
    const moved = await subscribe({ url: receiver.url('/moved'), events: ['ping'] });
    const verbose = await subscribe({ url: receiver.url('/verbose'), events: ['ping'] });
    const [movedPing, verbosePing] = [
      await sut.api.post(`/api/webhooks/${moved.id}/test`),
      await sut.api.post(`/api/webhooks/${verbose.id}/test`),
    ];

    const redirected = await settledDelivery(moved.id, movedPing.body.id, (d) => d.last_error !== null);
    expect(redirected.last_error).toBe('The receiver answered 302 (a redirect, not followed): see elsewhere');
    const long = await settledDelivery(verbose.id, verbosePing.body.id, (d) => d.last_error !== null);
    expect(long.last_error).toBe(`The receiver answered 500: Internal error: ${'x'.repeat(200 - 'Internal error: '.length)}`);
    expect(receiver.callsTo('/elsewhere')).toEqual([]);
    // A failing endpoint is marked so, and stays active for now.
    expect((await sut.api.get(`/api/webhooks/${verbose.id}`)).body).toMatchObject({
      active: true,
      failing_since: expect.stringMatching(ISO_INSTANT),
    });
    for (const hook of [moved, verbose]) expect((await sut.api.request('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('ends a call the receiver answers 101 Switching Protocols (which node:http leaves open, past every deadline), and tries again', async () => {
    receiver.answer('/switch', (response) => {
      response.socket!.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tarpit\r\n\r\n');
    });
    const hook = await subscribe({ url: receiver.url('/switch'), events: ['ping'] });
    const ping = await sut.api.post(`/api/webhooks/${hook.id}/test`);
    const failed = await settledDelivery(hook.id, ping.body.id, (d) => d.last_error !== null, 15_000);
    expect(failed).toMatchObject({ status: 'queued', attempts: 1, last_error: 'The receiver answered 101' });
    expect((await sut.api.request('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(204);
  }, 30_000);

  it('shows the secret once, lists a provider only its own, and deletes', async () => {
    const hook = await subscribe({ url: receiver.url('/list'), events: ['ping'], provider_id: other.id });
    const read = await sut.api.get(`/api/webhooks/${hook.id}`);
    expect(read.body).toEqual({
      id: hook.id,
      url: receiver.url('/list'),
      events: ['ping'],
      provider_id: other.id,
      active: true,
      created_at: expect.stringMatching(ISO_INSTANT),
      failing_since: null,
      deactivated_at: null,
    });
    const listedByProvider = await sut.api.as(provider.api_key).get('/api/webhooks');
    expect(listedByProvider.body.items.every((item: { provider_id: number }) => item.provider_id === provider.id)).toBe(true);
    expect(listedByProvider.body.items.length).toBeGreaterThan(0);
    expect(JSON.stringify(listedByProvider.body)).not.toContain('whsec_');
    expect((await sut.api.as(provider.api_key).get(`/api/webhooks/${hook.id}`)).status).toBe(404);
    expect((await sut.api.as(provider.api_key).request('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(404);
    expect((await sut.api.as(other.api_key).request('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(204);
    expect((await sut.api.get(`/api/webhooks/${hook.id}`)).status).toBe(404);
  });

  it(`keeps at most ${MAX_WEBHOOKS_PER_OWNER} subscriptions per provider, however many race: past them 409 LIMIT_REACHED, and room again after a delete`, async () => {
    const owner = await createProvider(sut.api);
    const api = sut.api.as(owner.api_key);
    const attempts = await Promise.all(
      Array.from({ length: MAX_WEBHOOKS_PER_OWNER + 4 }, (_v, i) =>
        api.post('/api/webhooks', { url: receiver.url(`/cap/${i}`), events: ['ping'], provider_id: owner.id }),
      ),
    );
    expect(attempts.filter((answer) => answer.status === 201)).toHaveLength(MAX_WEBHOOKS_PER_OWNER);
    const refused = attempts.filter((answer) => answer.status !== 201);
    expect(refused).toHaveLength(4);
    for (const answer of refused) expect(answer).toMatchObject({ status: 409, body: { code: 'LIMIT_REACHED' } });
    expect((await api.get('/api/webhooks?limit=100')).body.items).toHaveLength(MAX_WEBHOOKS_PER_OWNER);
    // The administrator's subscriptions for every provider are counted apart.
    const everyProvider = await subscribe({ url: receiver.url('/cap/all'), events: ['ping'] });
    expect((await sut.api.request('DELETE', `/api/webhooks/${everyProvider.id}`)).status).toBe(204);

    const first = attempts.find((answer) => answer.status === 201)!;
    expect((await api.request('DELETE', `/api/webhooks/${first.body.id}`)).status).toBe(204);
    expect((await api.post('/api/webhooks', { url: receiver.url('/cap/again'), events: ['ping'], provider_id: owner.id })).status).toBe(
      201,
    );
  });

  it('refuses private addresses with WEBHOOK_ALLOW_PRIVATE unset, at subscribe and again at each call', async () => {
    // Subscribed while private addresses were allowed: a name that resolves to loopback, and a loopback literal.
    const byName = await subscribe({ url: receiver.url('/by-name', 'localhost'), events: ['ping'] });
    const byAddress = await subscribe({ url: receiver.url('/by-address'), events: ['ping'] });
    await sut.close();
    // The same database, served by an app that allows only public addresses.
    sut = await startTestApp(backend.env, { env: { SMTP_URL: undefined, WEBHOOK_ALLOW_PRIVATE: undefined } });

    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://10.0.0.5/hook',
      'http://192.168.1.20/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://localhost:8080/hook',
      'http://0.0.0.0/hook',
    ]) {
      const refused = await sut.api.post('/api/webhooks', { url, events: ['ping'] });
      expect({
        url,
        status: refused.status,
        code: refused.body.code,
        fields: refused.body.errors?.map((e: { field: string }) => e.field),
      }).toEqual({
        url,
        status: 400,
        code: 'VALIDATION_FAILED',
        fields: ['url'],
      });
    }
    // A name that does not resolve now is accepted: it is checked at each call.
    expect((await sut.api.post('/api/webhooks', { url: 'https://hooks.does-not-exist.invalid/x', events: ['ping'] })).status).toBe(201);

    const [namePing, addressPing] = [
      await sut.api.post(`/api/webhooks/${byName.id}/test`),
      await sut.api.post(`/api/webhooks/${byAddress.id}/test`),
    ];
    const nameRefused = await settledDelivery(byName.id, namePing.body.id, (d) => d.status === 'failed');
    expect(nameRefused.last_error).toBe(
      'Not called: localhost resolves to 127.0.0.1, a loopback address; webhooks may only call public addresses (WEBHOOK_ALLOW_PRIVATE=true allows others)',
    );
    const addressRefused = await settledDelivery(byAddress.id, addressPing.body.id, (d) => d.status === 'failed');
    expect(addressRefused.last_error).toBe(
      'Not called: 127.0.0.1, a loopback address; webhooks may only call public addresses (WEBHOOK_ALLOW_PRIVATE=true allows others)',
    );
    expect(receiver.callsTo('/by-name')).toEqual([]);
    expect(receiver.callsTo('/by-address')).toEqual([]);
  });
});

/** Time-driven rules on the test clock: a lapsed hold's event, and an endpoint deactivated after 3 days of failures. */
describeBackend('webhooks over time', () => {
  let backend: TestBackend;
  let receiver: WebhookReceiver;
  let sut: TestApp;
  const clock = new TestClock(Date.now());

  beforeAll(async () => {
    backend = await createBackend();
    receiver = new WebhookReceiver();
    await receiver.start();
    sut = await startTestApp(backend.env, { clock, env: { WEBHOOK_ALLOW_PRIVATE: 'true', HOLD_REMINDER_SECONDS: '0' } });
  });

  afterAll(async () => {
    await sut?.close();
    await receiver?.stop();
    await backend?.dispose();
  });

  it('tells appointment.expired when the sweeper marks a lapsed hold', async () => {
    const provider = await createProvider(sut.api);
    const client = await createClient(sut.api);
    const date = futureDate(10);
    await publish(sut.api, provider.id, date, '09:00', '12:00');
    const hook = await subscribe('/expiry', ['appointment.expired'], provider.id);
    const held = await sut.api.post('/api/client_schedule', { date, provider_id: provider.id, client_id: client.id, requested_slot: 40 });
    expect(held.status).toBe(202);
    clock.advance(16);
    // The sweep runs every 5 s; the rest is room for a loaded machine.
    const [call] = await receiver.waitForCalls('/expiry', 1, 25_000);
    const view = (await sut.api.get(`/api/appointments/${held.body.appointment_id}`)).body;
    expect(view.status).toBe('expired');
    expect(JSON.parse(call.body)).toEqual({ type: 'appointment.expired', timestamp: new Date(clock.nowMs()).toISOString(), data: view });
    // Signed at the app's (test) time, which the library's verify() would refuse as too new: its signer checks the header instead.
    const timestamp = Number(call.headers['webhook-timestamp']);
    expect(timestamp).toBe(Math.floor(clock.nowMs() / 1000));
    expect(call.headers['webhook-signature']).toBe(
      new Webhook(hook.secret).sign(String(call.headers['webhook-id']), new Date(timestamp * 1000), call.body),
    );
  }, 60_000);

  it('deactivates an endpoint that has failed every call for 3 days; a successful test ping makes it active again', async () => {
    let down = true;
    receiver.answer('/down', (response) => answerWith(down ? 503 : 204)(response));
    const hook = await subscribe('/down', ['ping']);
    const ping = async () => (await sut.api.post(`/api/webhooks/${hook.id}/test`)).body as Delivery;
    const read = async () => (await sut.api.get(`/api/webhooks/${hook.id}`)).body;
    const delivery = async (id: number) => (await deliveriesOf(hook.id)).find((d) => d.id === id)!;

    const first = await ping();
    await receiver.waitForCalls('/down', 1);
    const failingSince = new Date(clock.nowMs()).toISOString();
    await until(async () => ((await read()).failing_since === failingSince ? true : undefined), 'failing since the first failure');

    // Two days and 23 hours on, the retry fails too (and, a day past due, the message fails for good): still active.
    clock.advance(2 * 24 * 60 + 23 * 60);
    await receiver.waitForCalls('/down', 2);
    await until(async () => ((await delivery(first.id)).status === 'failed' ? true : undefined), 'first message failed');
    expect(await read()).toMatchObject({ active: true, failing_since: failingSince, deactivated_at: null });

    // Three days after the first failure, the next failure deactivates it.
    clock.advance(60);
    const second = await ping();
    await receiver.waitForCalls('/down', 3);
    const deactivated = await until(async () => {
      const webhook = await read();
      return webhook.active === false ? webhook : undefined;
    }, 'deactivated');
    expect(deactivated).toMatchObject({ failing_since: failingSince, deactivated_at: new Date(clock.nowMs()).toISOString() });
    expect(clock.nowMs() - Date.parse(failingSince)).toBe(3 * DAY_MS);
    expect(await delivery(second.id)).toMatchObject({ status: 'queued', attempts: 1, last_error: 'The receiver answered 503' });

    // A test ping still goes to an inactive endpoint; once one succeeds, the endpoint is active again.
    down = false;
    const revive = await ping();
    await until(async () => ((await delivery(revive.id)).status === 'sent' ? true : undefined), 'ping sent');
    expect(await read()).toMatchObject({ active: true, failing_since: null, deactivated_at: null });
    // Seven waits for the worker, each up to 10 s on a loaded machine.
  }, 90_000);

  async function subscribe(path: string, events: string[], providerId?: number) {
    const created = await sut.api.post('/api/webhooks', {
      url: receiver.url(path),
      events,
      ...(providerId ? { provider_id: providerId } : {}),
    });
    expect(created.status).toBe(201);
    return created.body as { id: number; secret: string };
  }

  async function deliveriesOf(webhookId: number): Promise<Delivery[]> {
    return (await sut.api.get(`/api/webhooks/${webhookId}/deliveries`)).body.items;
  }
});
