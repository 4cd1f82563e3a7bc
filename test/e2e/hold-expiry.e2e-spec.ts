import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, openIndexes, publish } from '../support/factories';
import { SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough that a loaded two-core machine gets its checks done while the hold is live. */
const HOLD_TTL_SECONDS = 5;
/** Until a moment after the hold's own expiry, read from its answer rather than guessed. */
const pastExpiry = (expiresAt: string) => sleep(Math.max(0, Date.parse(expiresAt) + 300 - Date.now()));

describeBackend('hold expiry', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    sut = await startTestApp(backend.env, { env: { SMTP_URL: await smtp.start(), HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS) } });
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  it('lapses after HOLD_TTL_SECONDS: the slot is offered again and the link says it has expired', async () => {
    const provider = await createProvider(sut.api);
    const client = await createClient(sut.api);
    const date = futureDate(50);
    await publish(sut.api, provider.id, date, '08:00', '09:00');

    const requested = await sut.api.post('/api/client_schedule', {
      date,
      provider_id: provider.id,
      client_id: client.id,
      requested_slot: 33,
      duration_minutes: 30,
    });
    expect(requested.status).toBe(202);
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([32, 35]);
    const link = validationLink(await smtp.waitFor(client.email));

    await pastExpiry(requested.body.expires_at);

    expect(await openIndexes(sut.api, provider.id, date)).toEqual([32, 33, 34, 35]);
    await expect(sut.api.get(`/api/appointments/${requested.body.appointment_id}`)).resolves.toMatchObject({
      status: 200,
      body: { status: 'expired', expires_at: requested.body.expires_at },
    });
    const page = await fetch(link);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('Link expired');
    const token = new URL(link).searchParams.get('token')!;
    await expect(sut.api.post('/api/validate', { token })).resolves.toMatchObject({ status: 410, body: { code: 'HOLD_EXPIRED' } });

    // Someone else may take the slot now, and the lapsed link still books nothing.
    const other = await createClient(sut.api);
    await expect(
      sut.api.post('/api/client_schedule', { date, provider_id: provider.id, client_id: other.id, requested_slot: 34 }),
    ).resolves.toMatchObject({ status: 202 });
    await expect(sut.api.post('/api/validate', { token })).resolves.toMatchObject({ status: 410 });
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([32, 33, 35]);
  });

  it('books when validated in time', async () => {
    const provider = await createProvider(sut.api);
    const client = await createClient(sut.api);
    const date = futureDate(51);
    await publish(sut.api, provider.id, date, '08:00', '08:15');
    const requested = await sut.api.post('/api/client_schedule', {
      date,
      provider_id: provider.id,
      client_id: client.id,
      requested_slot: 32,
    });
    expect(requested.status).toBe(202);
    const token = new URL(validationLink(await smtp.waitFor(client.email))).searchParams.get('token')!;
    await expect(sut.api.post('/api/validate', { token })).resolves.toMatchObject({ status: 200, body: { status: 'confirmed' } });
    await pastExpiry(requested.body.expires_at);
    // The hold's own expiry has passed (the booking's pin still covers the slots here; hold-loss checks
    // booked slots with no hold left at all).
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([]);
    await expect(sut.api.get(`/api/appointments/${requested.body.appointment_id}`)).resolves.toMatchObject({
      body: { status: 'confirmed' },
    });
  });
});
