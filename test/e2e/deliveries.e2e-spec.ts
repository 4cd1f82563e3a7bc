import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { CapturingLogger } from '../support/capturing-logger';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

interface Delivery {
  id: number;
  channel: string;
  kind: string;
  appointment_id: number | null;
  recipient: string;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  sent_at: string | null;
}

const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The outbox as the administrator and providers read it, over a real SMTP server that may refuse a recipient. */
describeBackend('deliveries', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;
  let date: string;
  let own: Awaited<ReturnType<typeof createProvider>>;
  let other: Awaited<ReturnType<typeof createProvider>>;
  let slot = 36;
  const logs = new CapturingLogger();

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    sut = await startTestApp(backend.env, { env: { SMTP_URL: await smtp.start() }, logger: logs });
    date = futureDate(30);
    [own, other] = [await createProvider(sut.api), await createProvider(sut.api)];
    await publish(sut.api, own.id, date, '09:00', '17:00');
    await publish(sut.api, other.id, date, '09:00', '17:00');
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  async function request(providerId: number, clientId: number): Promise<number> {
    const held = await sut.api.post('/api/client_schedule', { date, provider_id: providerId, client_id: clientId, requested_slot: slot++ });
    expect(held.status).toBe(202);
    return held.body.appointment_id as number;
  }

  async function deliveriesOf(appointmentId: number, key = sut.api.key): Promise<Delivery[]> {
    const listed = await sut.anonymous.as(key).get(`/api/deliveries?appointment_id=${appointmentId}`);
    expect(listed.status).toBe(200);
    return listed.body.items;
  }

  /** The appointment's validation email, once it is no longer queued (its hold reminder waits for its time). */
  async function settled(appointmentId: number, timeoutMs = 20_000): Promise<Delivery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const delivery = (await deliveriesOf(appointmentId)).find((item) => item.kind === 'validation');
      if (delivery && delivery.status !== 'queued') return delivery;
      if (Date.now() > deadline) throw new Error(`delivery of appointment ${appointmentId} still ${delivery?.status ?? 'missing'}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('lists the validation email as sent, once, with the recipient masked', async () => {
    const client = await createClient(sut.api);
    const appointmentId = await request(own.id, client.id);

    await smtp.waitFor(client.email);
    const delivery = await settled(appointmentId);

    expect(delivery).toEqual({
      id: expect.any(Number),
      channel: 'email',
      kind: 'validation',
      appointment_id: appointmentId,
      recipient: `c***@${client.email.split('@')[1]}`,
      status: 'sent',
      attempts: 1,
      last_error: null,
      next_attempt_at: null,
      created_at: expect.stringMatching(ISO_INSTANT),
      sent_at: expect.stringMatching(ISO_INSTANT),
    });
    expect(Date.parse(delivery.sent_at!)).toBeGreaterThanOrEqual(Date.parse(delivery.created_at));
    expect(JSON.stringify(delivery)).not.toContain(client.email.split('@')[0]);
  });

  it('marks a refused recipient failed without showing its address, and sends it on retry once the server takes it', async () => {
    const client = await createClient(sut.api);
    smtp.refusedRecipients.add(client.email);
    const appointmentId = await request(own.id, client.id);

    const failed = await settled(appointmentId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, sent_at: null, next_attempt_at: null });
    expect(failed.last_error).toContain('550');
    expect(failed.last_error).not.toContain(client.email);
    expect(failed.last_error).not.toContain(client.email.split('@')[0]);
    expect(smtp.to(client.email)).toEqual([]);
    const logged = logs.entries.filter((entry) => entry.level === 'error' && entry.text.includes(`Message ${failed.id} `));
    expect(logged).toEqual([{ level: 'error', text: expect.stringContaining('failed for good after 1 tries') }]);
    expect(logged[0].text).not.toContain(client.email);
    const health = await sut.anonymous.get('/api/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', checks: { delivery: { failed: expect.any(Number) } } } });
    expect(health.body.checks.delivery.failed).toBeGreaterThanOrEqual(1);

    // Only the administrator retries.
    await expect(sut.anonymous.as(own.api_key).post(`/api/deliveries/${failed.id}/retry`)).resolves.toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
    smtp.refusedRecipients.delete(client.email);
    const retried = await sut.api.post(`/api/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'queued', attempts: 1, recipient: failed.recipient });
    // Due at once (the worker is woken; its 1 s poll would find it too), not after a backoff.
    expect(Date.parse(retried.body.next_attempt_at)).toBeLessThanOrEqual(Date.now());

    await smtp.waitFor(client.email);
    await expect(settled(appointmentId)).resolves.toMatchObject({ id: failed.id, status: 'sent', attempts: 2, last_error: null });

    await expect(sut.api.post(`/api/deliveries/${failed.id}/retry`)).resolves.toMatchObject({
      status: 409,
      body: { code: 'NOT_RETRYABLE' },
    });
    await expect(sut.api.post('/api/deliveries/2147483647/retry')).resolves.toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it("shows a provider only its own appointments' messages, and a client none", async () => {
    const client = await createClient(sut.api);
    const ownAppointment = await request(own.id, client.id);
    const otherAppointment = await request(other.id, client.id);
    await settled(ownAppointment);
    await settled(otherAppointment);

    const asOwn = (await sut.anonymous.as(own.api_key).get('/api/deliveries?limit=100')).body.items as Delivery[];
    expect(asOwn.map((delivery) => delivery.appointment_id)).toContain(ownAppointment);
    expect(asOwn.map((delivery) => delivery.appointment_id)).not.toContain(otherAppointment);
    const all = (await sut.api.get('/api/deliveries?limit=100')).body.items as Delivery[];
    expect(all.map((delivery) => delivery.appointment_id)).toEqual(expect.arrayContaining([ownAppointment, otherAppointment]));

    // Another provider's appointment is not an error, just nothing of it.
    await expect(deliveriesOf(otherAppointment, own.api_key)).resolves.toEqual([]);
    await expect(deliveriesOf(otherAppointment, other.api_key)).resolves.toEqual([
      expect.objectContaining({ kind: 'hold_reminder' }),
      expect.objectContaining({ kind: 'validation' }),
    ]);

    await expect(sut.anonymous.as(client.api_key).get('/api/deliveries')).resolves.toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
    await expect(sut.anonymous.get('/api/deliveries')).resolves.toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  });

  it('pages newest first, each message once, and filters by status and channel', async () => {
    const all = (await sut.api.get('/api/deliveries?limit=100')).body.items as Delivery[];
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(all.map((delivery) => delivery.id)).toEqual([...all.map((delivery) => delivery.id)].sort((a, b) => b - a));

    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Delivery[]; next_cursor: string | null } } = await sut.api.get(
        `/api/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.items.map((delivery) => delivery.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(paged).toEqual(all.map((delivery) => delivery.id));

    const sent = (await sut.api.get('/api/deliveries?status=sent&channel=email&limit=100')).body.items as Delivery[];
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((delivery) => delivery.status === 'sent' && delivery.channel === 'email')).toBe(true);
    await expect(sut.api.get('/api/deliveries?channel=sms')).resolves.toMatchObject({
      status: 200,
      body: { items: [], next_cursor: null },
    });
  });

  it.each([
    ['status=bogus', 'status'],
    ['status=', 'status'],
    ['channel=fax', 'channel'],
    ['appointment_id=01', 'appointment_id'],
    ['appointment_id=1e0', 'appointment_id'],
    ['appointment_id=-1', 'appointment_id'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=1.5', 'limit'],
    ['cursor=!!', 'cursor'],
    ['kind=validation', 'kind'],
  ])('refuses ?%s naming %s', async (query, field) => {
    const response = await sut.api.get(`/api/deliveries?${query}`);
    expect(response).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it.each(['0', '01', '1e0', 'abc'])('refuses the id %s in a retry path', async (id) => {
    await expect(sut.api.post(`/api/deliveries/${id}/retry`)).resolves.toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });
});
