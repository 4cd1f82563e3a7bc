import { ParsedMail } from 'mailparser';
import { HoldStore } from '../../src/holds/hold-store';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, openIndexes, publish } from '../support/factories';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

/** The whole journey of the product, as a client and a person reading their mail would take it. */
describeBackend('booking flow', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    const smtpUrl = await smtp.start();
    // The default rate limit: normal use never meets it.
    sut = await startTestApp(backend.env, { env: { SMTP_URL: smtpUrl, HOLD_TTL_SECONDS: '900', RATE_LIMIT_PER_MINUTE: undefined } });
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  async function requestSlot(fields: Record<string, unknown>) {
    return sut.api.post('/api/client_schedule', fields);
  }

  async function mailWithLink(address: string, appointmentId: number): Promise<ParsedMail> {
    return smtp.waitFor(address, (mail) => linkAppointmentId(mail) === appointmentId);
  }

  it('answers the smoke test and its health', async () => {
    await expect(sut.api.get('/api/hello')).resolves.toMatchObject({ status: 200, body: { message: expect.any(String) } });
    await expect(sut.api.get('/api/health')).resolves.toMatchObject({
      status: 200,
      body: { status: 'ok', checks: { database: 'ok', hold_store: 'ok' } },
    });
  });

  it('publishes, holds, emails a link, shows a page on GET, books on POST, and refuses a second POST', async () => {
    const provider = await createProvider(sut.api, { time_zone: 'Europe/Paris', name: 'Dr. <b>Ada</b> & Co' });
    const client = await createClient(sut.api, { name: 'Grace <script>alert(1)</script>' });
    const date = futureDate(40, 'Europe/Paris');

    const asProvider = sut.anonymous.as(provider.api_key);
    const asClient = sut.anonymous.as(client.api_key);
    const posted = await asProvider.post('/api/schedule', { date, start_time: '09:00', end_time: '12:00', provider_id: provider.id });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ provider_id: provider.id, date, time_zone: 'Europe/Paris' });
    expect(posted.body.slots).toHaveLength(12);
    expect(posted.body.slots[0]).toMatchObject({ index: 36, start_time: '09:00', end_time: '09:15' });

    const requested = await asClient.post('/api/client_schedule', {
      date,
      provider_id: provider.id,
      client_id: client.id,
      requested_slot: 40,
      duration_minutes: 30,
    });
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({
      status: 'pending',
      provider_id: provider.id,
      client_id: client.id,
      date,
      start_time: '10:00',
      end_time: '10:30',
    });
    expect(requested.text).not.toMatch(/token|eyJ/);
    const appointmentId = requested.body.appointment_id as number;
    expect(Date.parse(requested.body.expires_at) - Date.now()).toBeGreaterThan(800_000);

    // Held slots leave the listing at once; a 30-minute request cannot start at 09:45 any more.
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([36, 37, 38, 39, 42, 43, 44, 45, 46, 47]);
    expect(await openIndexes(sut.api, provider.id, date, 30)).toEqual([36, 37, 38, 42, 43, 44, 45, 46]);
    await expect(asClient.get(`/api/appointments/${appointmentId}`)).resolves.toMatchObject({ status: 200, body: { status: 'pending' } });

    const mail = await mailWithLink(client.email, appointmentId);
    expect(mail.html).toContain('Confirm my appointment');
    expect(mail.text).toContain('10:00');
    const link = validationLink(mail);
    expect(link.startsWith(sut.url + '/api/validate?token=')).toBe(true);

    // A person (or a mail scanner) opens the link: a page, and nothing is booked.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/api/validate">');
    expect(html).toContain('Dr. &lt;b&gt;Ada&lt;/b&gt; &amp; Co');
    expect(html).not.toContain('<script>alert(1)</script>');
    await fetch(link);
    await expect(sut.api.get(`/api/appointments/${appointmentId}`)).resolves.toMatchObject({ body: { status: 'pending' } });

    // Pressing the button posts the hidden token as a form.
    const token = /name="token" value="([^"]+)"/.exec(html)![1];
    const confirmed = await fetch(`${sut.url}/api/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Appointment confirmed');

    const stored = await asProvider.get(`/api/appointments/${appointmentId}`);
    expect(stored.body).toMatchObject({ id: appointmentId, status: 'confirmed', start_time: '10:00', end_time: '10:30' });
    expect(stored.body.confirmed_at).toEqual(expect.any(String));

    const confirmation = await smtp.waitFor(client.email, (m) => (m.subject ?? '').startsWith('Appointment confirmed'));
    const ics = confirmation.attachments.find((attachment) => attachment.filename === 'appointment.ics');
    expect(ics?.contentType).toBe('text/calendar');
    const calendar = ics!.content.toString('utf8');
    expect(calendar).toContain('BEGIN:VEVENT');
    expect(calendar).toContain(`DTSTART:${requested.body.start.replace(/[-:]/g, '').replace('.000', '')}`);

    const again = await sut.anonymous.post('/api/validate', { token });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body).toMatchObject({ code: 'ALREADY_CONFIRMED', appointment: { id: appointmentId, status: 'confirmed' } });

    // Booked slots stay out of the listing.
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([36, 37, 38, 39, 42, 43, 44, 45, 46, 47]);
    const listed = await asProvider.get(`/api/appointments?date=${date}`);
    expect(listed.body.items.map((item: { id: number }) => item.id)).toEqual([appointmentId]);
  });

  it('confirms over JSON and answers 401 to a tampered token', async () => {
    const provider = await createProvider(sut.api);
    const client = await createClient(sut.api);
    const date = futureDate(41);
    await publish(sut.api, provider.id, date, '14:00', '15:00');
    const requested = await requestSlot({ date, provider_id: provider.id, client_id: client.id, requested_slot: 58 });
    expect(requested.status).toBe(202);
    const token = new URL(validationLink(await mailWithLink(client.email, requested.body.appointment_id))).searchParams.get('token')!;

    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = token.slice(0, -2) + last + token.at(-1);
    await expect(sut.api.post('/api/validate', { token: tampered })).resolves.toMatchObject({
      status: 401,
      body: { code: 'TOKEN_INVALID' },
    });
    const tamperedPage = await fetch(`${sut.url}/api/validate?token=${encodeURIComponent(tampered)}`);
    expect(tamperedPage.status).toBe(401);
    expect(await tamperedPage.text()).toContain('Invalid link');

    const confirmed = await sut.api.post('/api/validate', { token });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      status: 'confirmed',
      appointment: { status: 'confirmed', start_time: '14:30', end_time: '14:45' },
    });
    await expect(sut.api.post('/api/validate', { token })).resolves.toMatchObject({ status: 409, body: { code: 'ALREADY_CONFIRMED' } });
  });

  it('refuses a second request for a held or booked slot and reopens slots on cancel', async () => {
    const provider = await createProvider(sut.api);
    const [first, second] = [await createClient(sut.api), await createClient(sut.api)];
    const date = futureDate(42);
    await publish(sut.api, provider.id, date, '10:00', '11:00');

    const held = await requestSlot({ date, provider_id: provider.id, client_id: first.id, requested_slot: 40, duration_minutes: 45 });
    expect(held.status).toBe(202);
    const overlapping = await requestSlot({ date, provider_id: provider.id, client_id: second.id, requested_slot: 42 });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.code).toBe('SLOT_UNAVAILABLE');
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([43]);

    // Cancelling the pending hold opens its slots at once, and its link says so.
    const cancelled = await sut.api.post(`/api/appointments/${held.body.appointment_id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelled_at: expect.any(String) });
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([40, 41, 42, 43]);
    const token = new URL(validationLink(await mailWithLink(first.email, held.body.appointment_id))).searchParams.get('token')!;
    await expect(sut.api.post('/api/validate', { token })).resolves.toMatchObject({ status: 409, body: { code: 'HOLD_CANCELLED' } });

    // A confirmed booking, cancelled, frees its slots too.
    const booked = await requestSlot({ date, provider_id: provider.id, client_id: second.id, requested_slot: 42, duration_minutes: 30 });
    expect(booked.status).toBe(202);
    const secondToken = new URL(validationLink(await mailWithLink(second.email, booked.body.appointment_id))).searchParams.get('token')!;
    await expect(sut.api.post('/api/validate', { token: secondToken })).resolves.toMatchObject({ status: 200 });
    await expect(requestSlot({ date, provider_id: provider.id, client_id: first.id, requested_slot: 43 })).resolves.toMatchObject({
      status: 409,
    });
    await expect(sut.api.post(`/api/appointments/${booked.body.appointment_id}/cancel`)).resolves.toMatchObject({
      status: 200,
      body: { status: 'cancelled' },
    });
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([40, 41, 42, 43]);
    await expect(requestSlot({ date, provider_id: provider.id, client_id: first.id, requested_slot: 43 })).resolves.toMatchObject({
      status: 202,
    });
  });

  it('lets a cancellation that lands while the link is being confirmed win: the booking stays cancelled', async () => {
    const provider = await createProvider(sut.api);
    const client = await createClient(sut.api);
    const date = futureDate(45);
    await publish(sut.api, provider.id, date, '10:00', '11:00');
    const held = await requestSlot({ date, provider_id: provider.id, client_id: client.id, requested_slot: 40, duration_minutes: 30 });
    expect(held.status).toBe(202);
    const token = new URL(validationLink(await mailWithLink(client.email, held.body.appointment_id))).searchParams.get('token')!;

    // The confirmation has read the appointment as pending and pinned its hold; the cancellation
    // commits right then, before the booking's UPDATE runs.
    const holds = sut.app.get(HoldStore);
    const pin = holds.pin;
    holds.pin = async (hold, pinMs) => {
      holds.pin = pin;
      const outcome = await pin.call(holds, hold, pinMs);
      await expect(sut.api.post(`/api/appointments/${held.body.appointment_id}/cancel`)).resolves.toMatchObject({ status: 200 });
      return outcome;
    };
    try {
      await expect(sut.api.post('/api/validate', { token })).resolves.toMatchObject({ status: 409, body: { code: 'HOLD_CANCELLED' } });
    } finally {
      holds.pin = pin;
    }
    await expect(sut.api.get(`/api/appointments/${held.body.appointment_id}`)).resolves.toMatchObject({ body: { status: 'cancelled' } });
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([40, 41, 42, 43]);
  });

  it('merges windows that touch or overlap and ignores a repeated post', async () => {
    const provider = await createProvider(sut.api);
    const date = futureDate(43);
    await publish(sut.api, provider.id, date, '09:00', '10:00');
    await publish(sut.api, provider.id, date, '10:00', '10:30');
    const again = await sut.api.post('/api/schedule', { date, start_time: '09:30', end_time: '10:15', provider_id: provider.id });
    expect(again.body.windows).toEqual([{ start_time: '09:00', end_time: '10:30' }]);
    await publish(sut.api, provider.id, date, '09:30', '10:15');
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([36, 37, 38, 39, 40, 41]);
    expect(await openIndexes(sut.api, provider.id, date, 90)).toEqual([36]);
  });

  it('refuses slots outside the schedule, past slots and unknown people', async () => {
    const provider = await createProvider(sut.api);
    const client = await createClient(sut.api);
    const date = futureDate(44);
    await publish(sut.api, provider.id, date, '09:00', '10:00');
    const base = { date, provider_id: provider.id, client_id: client.id, requested_slot: 36 };
    await expect(requestSlot({ ...base, requested_slot: 35 })).resolves.toMatchObject({ status: 409, body: { code: 'SLOT_UNAVAILABLE' } });
    await expect(requestSlot({ ...base, requested_slot: 39, duration_minutes: 30 })).resolves.toMatchObject({ status: 409 });
    await expect(requestSlot({ ...base, provider_id: 999999 })).resolves.toMatchObject({
      status: 404,
      body: { code: 'PROVIDER_NOT_FOUND' },
    });
    await expect(requestSlot({ ...base, client_id: 999999 })).resolves.toMatchObject({
      status: 404,
      body: { code: 'CLIENT_NOT_FOUND' },
    });
    const yesterday = futureDate(-1);
    const pastDay = await sut.api.post('/api/schedule', {
      date: yesterday,
      start_time: '00:00',
      end_time: '24:00',
      provider_id: provider.id,
    });
    expect(pastDay).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', errors: [{ field: 'date' }] } });
    expect(await openIndexes(sut.api, provider.id, yesterday)).toEqual([]);
    await expect(requestSlot({ ...base, date: yesterday, requested_slot: 40 })).resolves.toMatchObject({ status: 409 });
    await expect(sut.api.get('/api/appointments/999999')).resolves.toMatchObject({ status: 404, body: { code: 'APPOINTMENT_NOT_FOUND' } });
  });

  it('registers an email once per kind', async () => {
    const provider = await createProvider(sut.api);
    const taken = await sut.api.post('/api/providers', { name: 'Again', email: provider.email.toUpperCase() });
    expect(taken).toMatchObject({ status: 409, body: { code: 'EMAIL_TAKEN' } });
    // The same address may belong to a client.
    await expect(sut.api.post('/api/clients', { name: 'Also a client', email: provider.email })).resolves.toMatchObject({ status: 201 });
  });

  it('pages through providers with a cursor, listing each one exactly once', async () => {
    const created: number[] = [];
    for (let i = 0; i < 7; i++) created.push((await createProvider(sut.api)).id);
    const whole = await sut.api.get('/api/providers?limit=100');
    expect(whole.body.next_cursor).toBeNull();
    const every = (whole.body.items as { id: number }[]).map((item) => item.id);
    expect(every).toEqual(expect.arrayContaining(created));

    for (const limit of [1, 2, 3]) {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { id: number }[]; next_cursor: string | null } } = await sut.api.get(
          `/api/providers?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.body.items.map((item) => item.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      // In order, none twice, none left out.
      expect(seen).toEqual([...every].sort((a, b) => a - b));
    }
  });
});
