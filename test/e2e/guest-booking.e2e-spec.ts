import * as jsonwebtoken from 'jsonwebtoken';
import { ParsedMail } from 'mailparser';
import { holdsConfig } from '../../src/config/namespaces';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { outboxRowsWhen } from '../support/outbox-rows';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

/** 60 requests a minute: the mail routes get 6 per network address, and 6 per email address. */
const MAIL_LIMIT = 6;

/** The manage link in a mail's text part. */
function manageLink(mail: ParsedMail): string {
  const match = /(https?:\/\/\S+\/api\/manage\?token=[A-Za-z0-9._%-]+)/.exec(mail.text ?? '');
  if (!match) throw new Error('No manage link in the mail');
  return match[1];
}

const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

/** Booking without an account, through the API: the answer tells nothing of the address, the emailed link is the proof. */
describeBackend('guest booking', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;
  let provider: { id: number; name: string };
  let date: string;
  let addresses = 0;
  let guests = 0;

  /** Each test speaks from network addresses of its own (the app trusts one proxy hop), so budgets do not mix. */
  const fromNewAddress = () => ({ 'x-forwarded-for': `198.51.100.${++addresses}` });
  const newEmail = (label = 'guest') => `${label}-${Date.now()}-${++guests}@guests.test`;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    const smtpUrl = await smtp.start();
    sut = await startTestApp(backend.env, {
      env: { SMTP_URL: smtpUrl, RATE_LIMIT_PER_MINUTE: String(MAIL_LIMIT * 10), TRUSTED_PROXY_HOPS: '1', HOLD_REMINDER_SECONDS: '0' },
    });
    provider = await createProvider(sut.api, { name: 'Dr. Guest', time_zone: 'Europe/Paris' });
    date = futureDate(20, 'Europe/Paris');
    await publish(sut.api, provider.id, date, '08:00', '18:00');
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  const guestRequest = (slot: number, client: Record<string, unknown>, headers = fromNewAddress()) =>
    sut.anonymous.post('/api/client_schedule', { date, provider_id: provider.id, requested_slot: slot, client }, headers);

  const validationMail = (address: string, appointmentId: number) =>
    smtp.waitFor(address, (mail) => linkAppointmentId(mail) === appointmentId);

  /** The answer with what differs between any two bookings (ids, times) taken out. */
  const comparable = (body: Record<string, unknown>) => ({
    ...body,
    appointment_id: typeof body.appointment_id,
    start_time: typeof body.start_time,
    end_time: typeof body.end_time,
    start: typeof body.start,
    end: typeof body.end,
    expires_at: typeof body.expires_at,
  });
  // The window's seconds left may round either way between two requests; that they are there is compared.
  const HEADERS_THAT_VARY = new Set(['date', 'x-request-id', 'content-length', 'connection', 'keep-alive', 'x-ratelimit-reset']);
  const headersOf = (response: { headers: Headers }) =>
    Object.fromEntries([...response.headers.entries()].filter(([name]) => !HEADERS_THAT_VARY.has(name)));

  it('answers a new and a known address alike, and books each for the client of that address', async () => {
    const known = await createClient(sut.api, { name: 'Known Person', email: newEmail('known') });
    const fresh = newEmail('fresh');

    const asNew = await guestRequest(40, { name: 'New Person', email: fresh });
    const asKnown = await guestRequest(41, { name: 'Someone Else', email: known.email.toUpperCase() });

    expect(asNew.status).toBe(202);
    expect(asKnown.status).toBe(asNew.status);
    expect(headersOf(asKnown)).toEqual(headersOf(asNew));
    expect(asKnown.headers.has('x-ratelimit-reset')).toBe(asNew.headers.has('x-ratelimit-reset'));
    expect(Object.keys(asKnown.body)).toEqual(Object.keys(asNew.body));
    expect(comparable(asKnown.body)).toEqual(comparable(asNew.body));
    expect(asNew.body).toMatchObject({ status: 'pending', provider_id: provider.id, client_id: null, date, start_time: '10:00' });
    expect(asKnown.body.client_id).toBeNull();
    expect(asKnown.text).not.toMatch(/token|eyJ/);

    // The known address's appointment is its client's, who keeps its name; the new address got a client without a key.
    const knownAppointment = await sut.api.get(`/api/appointments/${asKnown.body.appointment_id}`);
    expect(knownAppointment.body.client_id).toBe(known.id);
    await expect(sut.api.get(`/api/clients/${known.id}`)).resolves.toMatchObject({ body: { name: 'Known Person' } });
    const newAppointment = await sut.api.get(`/api/appointments/${asNew.body.appointment_id}`);
    await expect(sut.api.get(`/api/clients/${newAppointment.body.client_id}`)).resolves.toMatchObject({
      status: 200,
      body: { name: 'New Person', email: fresh, phone: null },
    });

    // The mail about a request greets the name typed with it; the client's record is not changed by it.
    const knownMail = await validationMail(known.email, asKnown.body.appointment_id);
    expect(knownMail.text).toContain('Hello Someone Else');
    await expect(validationMail(fresh, asNew.body.appointment_id)).resolves.toBeDefined();
  });

  it('books once the emailed link is followed and pressed, and the confirmation carries a manage link', async () => {
    const email = newEmail();
    const held = await guestRequest(44, { name: 'Ada', email, phone: '+14155550123' });
    expect(held.status).toBe(202);
    const link = validationLink(await validationMail(email, held.body.appointment_id));

    const page = await fetch(link);
    expect(page.status).toBe(200);
    const pressed = await fetch(new URL('/api/validate', link), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ token: tokenOf(link) }).toString(),
    });
    expect(pressed.status).toBe(200);
    await expect(sut.api.get(`/api/appointments/${held.body.appointment_id}`)).resolves.toMatchObject({ body: { status: 'confirmed' } });

    const confirmation = await smtp.waitFor(email, (mail) => /confirmed/i.test(mail.subject ?? ''));
    const manage = await fetch(manageLink(confirmation));
    expect(manage.status).toBe(200);
    const html = await manage.text();
    expect(html).toContain('Dr. Guest');
    expect(html).toContain('11:00 – 11:15 (Europe/Paris)');
  });

  // From review (commit 7b0cabf): an unproven first guest's phone stuck to the address's client, so the owner's reminder texts went to that stranger.
  it("texts the reminders to the phone of the person who proved the address, not an earlier stranger's", async () => {
    const victim = newEmail('victim');
    const strangersPhone = '+14155550100';
    const ownersPhone = '+14155550199';
    const squat = await guestRequest(66, { name: 'Stranger', email: victim, phone: strangersPhone });
    expect(squat.status).toBe(202);

    const own = await guestRequest(68, { name: 'Owner', email: victim, phone: ownersPhone });
    expect(own.status).toBe(202);
    const link = validationLink(await validationMail(victim, own.body.appointment_id));
    await expect(sut.anonymous.post('/api/validate', { token: tokenOf(link) }, fromNewAddress())).resolves.toMatchObject({ status: 200 });
    const confirmation = await smtp.waitFor(
      victim,
      (mail) => /confirmed/i.test(mail.subject ?? '') && (mail.text ?? '').includes(`${own.body.appointment_id}`),
    );
    expect(confirmation.text).toContain('Hello Owner');

    const rows = await outboxRowsWhen(sut.app, provider.id, (all) =>
      all.some((row) => row.appointment_id === own.body.appointment_id && row.kind === 'reminder' && row.channel === 'sms'),
    );
    const texted = rows
      .filter((row) => row.appointment_id === own.body.appointment_id && row.channel === 'sms')
      .map((row) => row.recipient);
    expect(texted).not.toContain(strangersPhone);
    expect(texted).toContain(ownersPhone);
    // Nothing a guest typed is kept on the client: the details stay with the request that proved them.
    const { client_id: clientId } = (await sut.api.get(`/api/appointments/${own.body.appointment_id}`)).body;
    await expect(sut.api.get(`/api/clients/${clientId}`)).resolves.toMatchObject({ body: { phone: null } });

    // Moved through its manage link, the appointment keeps its details: the new reminders text the owner too.
    const moved = await sut.anonymous.post(
      '/api/manage/reschedule',
      { token: tokenOf(manageLink(confirmation)), date, requested_slot: 70 },
      fromNewAddress(),
    );
    expect(moved).toMatchObject({ status: 200, body: { start_time: '17:30' } });
    const notice = await smtp.waitFor(victim, (mail) => (mail.text ?? '').includes('17:30'));
    expect(notice.text).toContain('Owner');
    expect(notice.text).not.toContain('Stranger');
    const replanned = await outboxRowsWhen(sut.app, provider.id, (all) =>
      all.some((row) => row.appointment_id === own.body.appointment_id && row.channel === 'sms' && row.payload.includes('17:30')),
    );
    expect(
      replanned
        .filter((row) => row.appointment_id === own.body.appointment_id && row.channel === 'sms' && row.payload.includes('17:30'))
        .map((row) => row.recipient),
    ).toEqual(expect.arrayContaining([ownersPhone]));
  });

  it('registers one client when two guests with one new address book at once', async () => {
    const email = newEmail('twice');
    const [first, second] = await Promise.all([guestRequest(46, { name: 'One', email }), guestRequest(47, { name: 'Two', email })]);
    expect([first.status, second.status]).toEqual([202, 202]);
    const [a, b] = await Promise.all([first, second].map((held) => sut.api.get(`/api/appointments/${held.body.appointment_id}`)));
    expect(a.body.client_id).toBe(b.body.client_id);
  });

  it("counts guests against the mail routes' limit per network address and per email address", async () => {
    const email = newEmail('limited');
    // One address, each time from another network address: its own budget runs out all the same.
    for (let i = 0; i < MAIL_LIMIT; i++) {
      const response = await guestRequest(0, { name: 'Flood', email: i % 2 ? email : email.toUpperCase() });
      expect(response.status).not.toBe(429);
    }
    const refused = await guestRequest(0, { name: 'Flood', email });
    expect(refused).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address from a fresh network address is not affected.
    expect((await guestRequest(0, { name: 'Other', email: newEmail() })).status).not.toBe(429);

    // One network address, each time another email address.
    const oneAddress = fromNewAddress();
    for (let i = 0; i < MAIL_LIMIT; i++) {
      expect((await guestRequest(0, { name: 'Flood', email: newEmail() }, oneAddress)).status).not.toBe(429);
    }
    await expect(guestRequest(0, { name: 'Flood', email: newEmail() }, oneAddress)).resolves.toMatchObject({ status: 429 });
  });

  it.each([
    ['client_id without a key → 401', undefined, { client_id: 1 }, 401, 'UNAUTHENTICATED', undefined],
    [
      'client and client_id together',
      undefined,
      { client_id: 1, client: { name: 'A', email: 'a@b.co' } },
      400,
      'VALIDATION_FAILED',
      'client',
    ],
    [
      'client and client_id together, with a key',
      'admin',
      { client_id: 1, client: { name: 'A', email: 'a@b.co' } },
      400,
      'VALIDATION_FAILED',
      'client',
    ],
    ['client with a key → 400 naming client', 'admin', { client: { name: 'A', email: 'a@b.co' } }, 400, 'VALIDATION_FAILED', 'client'],
    ['neither, without a key → 400 naming client', undefined, {}, 400, 'VALIDATION_FAILED', 'client'],
    ['neither, with a key → 400 naming client_id', 'admin', {}, 400, 'VALIDATION_FAILED', 'client_id'],
    ['client with a key nobody was issued → 401', 'unknown', { client: { name: 'A', email: 'a@b.co' } }, 401, 'UNAUTHENTICATED', undefined],
  ])('%s', async (_name, key, fields, status, code, field) => {
    const api =
      key === 'admin' ? sut.api : sut.anonymous.as(key === 'unknown' ? 'cli_neverIssued000000000000000000000000000000' : undefined);
    const response = await api.post(
      '/api/client_schedule',
      { date, provider_id: provider.id, requested_slot: 30, ...fields },
      fromNewAddress(),
    );
    expect(response).toMatchObject({ status, body: { code } });
    if (field) expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  describe('the booking page over plain HTTP', () => {
    const form = (fields: Record<string, string>, headers: Record<string, string> = fromNewAddress()) =>
      sut.anonymous.raw('POST', '/api/book', new URLSearchParams(fields).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      });

    it('shows the first open day, or the day asked, as HTML', async () => {
      const first = await sut.anonymous.get(`/api/book?provider_id=${provider.id}`);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(first.text).toContain('name="viewport"');
      expect(first.text).toContain(`name="date" value="${date}"`);
      expect(first.text).not.toContain('<script');
      const later = await sut.anonymous.get(`/api/book?provider_id=${provider.id}&date=${futureDate(21, 'Europe/Paris')}`);
      expect(later.status).toBe(200);
      expect(later.text).toContain('No open times on this day');
    });

    it.each([
      ['an unknown provider', '?provider_id=2000000000', 404, 'Not found'],
      ['a provider id in exponent form', '?provider_id=1e0', 400, 'provider_id'],
      ['no provider', '', 400, 'provider_id'],
      ['an impossible date', `?provider_id=PROVIDER&date=2026-02-30`, 400, 'date'],
    ])('answers %s with a page and a 4xx', async (_name, query, status, words) => {
      const response = await sut.anonymous.get(`/api/book${query.replace('PROVIDER', String(provider.id))}`);
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.text).toContain(words);
    });

    it('books from the form like a guest request, and shows the form again, escaped, naming what to fix', async () => {
      const email = newEmail('form');
      const booked = await form({ provider_id: String(provider.id), date, requested_slot: '60', name: 'Form Person', email, phone: '' });
      expect(booked.status).toBe(202);
      expect(booked.text).toContain('Check your email');
      await expect(smtp.waitFor(email)).resolves.toBeDefined();

      const refused = await form({
        provider_id: String(provider.id),
        date,
        requested_slot: '61',
        name: '<script>x</script>',
        email: 'not an address',
      });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('email must be a plain email address');
      expect(refused.text).not.toContain('<script>x');
      expect(refused.text).toContain('&lt;script&gt;x&lt;/script&gt;');

      const taken = await form({ provider_id: String(provider.id), date, requested_slot: '60', name: 'Late', email: newEmail() });
      expect(taken.status).toBe(409);
      expect(taken.text).toContain('just taken');
    });
  });

  describe('manage links', () => {
    /** A guest's confirmed appointment and the tokens of its two emails. */
    async function confirmedGuest(slot: number) {
      const email = newEmail('manage');
      const held = await guestRequest(slot, { name: 'Manager', email });
      const validationToken = tokenOf(validationLink(await validationMail(email, held.body.appointment_id)));
      await expect(sut.anonymous.post('/api/validate', { token: validationToken })).resolves.toMatchObject({ status: 200 });
      const confirmation = await smtp.waitFor(
        email,
        (mail) => /confirmed/i.test(mail.subject ?? '') && (mail.text ?? '').includes(`${held.body.appointment_id}`),
      );
      return { appointmentId: held.body.appointment_id as number, validationToken, manageToken: tokenOf(manageLink(confirmation)) };
    }

    it('takes no validation token for a manage token, nor the reverse', async () => {
      const { validationToken, manageToken } = await confirmedGuest(50);
      const headers = fromNewAddress();
      await expect(sut.anonymous.get(`/api/manage?token=${encodeURIComponent(validationToken)}`)).resolves.toMatchObject({ status: 401 });
      await expect(sut.anonymous.post('/api/manage/cancel', { token: validationToken }, headers)).resolves.toMatchObject({
        status: 401,
        body: { code: 'TOKEN_INVALID' },
      });
      await expect(
        sut.anonymous.post('/api/manage/reschedule', { token: validationToken, date, requested_slot: 60 }, headers),
      ).resolves.toMatchObject({ status: 401, body: { code: 'TOKEN_INVALID' } });
      await expect(sut.anonymous.post('/api/validate', { token: manageToken }, headers)).resolves.toMatchObject({
        status: 401,
        body: { code: 'TOKEN_INVALID' },
      });
    });

    it('cancels with a reason as the client would; the link is spent after', async () => {
      const { appointmentId, manageToken } = await confirmedGuest(52);
      const headers = fromNewAddress();
      const cancelled = await sut.anonymous.post('/api/manage/cancel', { token: manageToken, reason: 'Feeling better' }, headers);
      expect(cancelled).toMatchObject({ status: 200, body: { id: appointmentId, status: 'cancelled' } });
      await expect(sut.anonymous.post('/api/manage/cancel', { token: manageToken }, headers)).resolves.toMatchObject({
        status: 409,
        body: { code: 'LINK_SUPERSEDED' },
      });
      const page = await sut.anonymous.get(`/api/manage?token=${encodeURIComponent(manageToken)}`);
      expect(page.status).toBe(409);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.text).toContain('This link was replaced');
    });

    it('refuses a link past the start of its appointment (401), and one it does not know', async () => {
      const { appointmentId } = await confirmedGuest(54);
      // Signed with the service's own key, as the link of an appointment that has started would be.
      const started = jsonwebtoken.sign(
        { sub: String(appointmentId), rev: 0, exp: Math.floor(Date.now() / 1000) - 60 },
        sut.config(holdsConfig).jwtSecret,
        {
          algorithm: 'HS256',
          audience: 'scheduler:manage',
          issuer: 'scheduler',
        },
      );
      const page = await sut.anonymous.get(`/api/manage?token=${encodeURIComponent(started)}`);
      expect(page.status).toBe(401);
      expect(page.text).toContain('expired');
      await expect(sut.anonymous.post('/api/manage/cancel', { token: started }, fromNewAddress())).resolves.toMatchObject({
        status: 401,
        body: { code: 'TOKEN_INVALID' },
      });
      await expect(sut.api.get(`/api/appointments/${appointmentId}`)).resolves.toMatchObject({ body: { status: 'confirmed' } });
    });

    it('moves the appointment as its client would; every earlier link is then superseded, the new email has a fresh one', async () => {
      const { appointmentId, manageToken } = await confirmedGuest(56);
      const email = (await sut.api.get(`/api/clients/${(await sut.api.get(`/api/appointments/${appointmentId}`)).body.client_id}`)).body
        .email;
      const moved = await sut.anonymous.post('/api/manage/reschedule', { token: manageToken, date, requested_slot: 64 }, fromNewAddress());
      expect(moved).toMatchObject({ status: 200, body: { id: appointmentId, status: 'confirmed', date, start_time: '16:00' } });
      await expect(
        sut.anonymous.post('/api/manage/reschedule', { token: manageToken, date, requested_slot: 65 }, fromNewAddress()),
      ).resolves.toMatchObject({ status: 409, body: { code: 'LINK_SUPERSEDED' } });
      const notice = await smtp.waitFor(
        email,
        (mail) => (mail.text ?? '').includes('16:00') && /\/api\/manage\?token=/.test(mail.text ?? ''),
      );
      const fresh = tokenOf(manageLink(notice));
      expect(fresh).not.toBe(manageToken);
      await expect(sut.anonymous.get(`/api/manage?token=${encodeURIComponent(fresh)}`)).resolves.toMatchObject({ status: 200 });
    });
  });
});
