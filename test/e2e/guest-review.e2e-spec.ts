import { ParsedMail } from 'mailparser';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createProvider, futureDate, publish } from '../support/factories';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

const ZONE = 'Europe/Paris';
const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };

function manageLink(mail: ParsedMail): string {
  const match = /(https?:\/\/\S+\/api\/manage\?token=[A-Za-z0-9._%-]+)/.exec(mail.text ?? '');
  if (!match) throw new Error('No manage link in the mail');
  return match[1];
}
const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;
/** The value of an HTML attribute as a browser reads it (the pages escape `=` and `&`). */
const unescapeAttribute = (value: string) =>
  value
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'");

/** Review (failing): guest booking and manage links, attacked as a stranger and used as a person would. */
describeBackend('guest booking and manage links (review)', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;
  let provider: { id: number };
  let date: string;
  let addresses = 0;
  let guests = 0;
  let smtpUrl: string;
  const fromNewAddress = () => ({ 'x-forwarded-for': `192.0.2.${++addresses}` });
  const newEmail = (label = 'rev') => `${label}-${Date.now()}-${++guests}@review.test`;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    smtpUrl = await smtp.start();
    sut = await startTestApp(backend.env, { env: { SMTP_URL: smtpUrl, TRUSTED_PROXY_HOPS: '1', HOLD_REMINDER_SECONDS: '0' } });
    provider = await createProvider(sut.api, { name: 'Dr. Review', time_zone: ZONE });
    date = futureDate(20, ZONE);
    await publish(sut.api, provider.id, date, '08:00', '18:00');
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  const guestRequest = (providerId: number, slot: number, client: Record<string, unknown>) =>
    sut.anonymous.post('/api/client_schedule', { date, provider_id: providerId, requested_slot: slot, client }, fromNewAddress());

  /** Presses the emailed validation link's button, as the person would. */
  async function confirmByMail(email: string, appointmentId: number): Promise<string> {
    const link = validationLink(await smtp.waitFor(email, (mail) => linkAppointmentId(mail) === appointmentId));
    const pressed = await fetch(new URL('/api/validate', link), {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ token: tokenOf(link) }).toString(),
    });
    expect(pressed.status).toBe(200);
    const confirmation = await smtp.waitFor(
      email,
      (mail) => /confirmed/i.test(mail.subject ?? '') && (mail.text ?? '').includes(`${appointmentId}`),
    );
    return manageLink(confirmation);
  }

  async function confirmedGuest(slot: number) {
    const email = newEmail('manage');
    const held = await guestRequest(provider.id, slot, { name: 'Manager', email });
    expect(held.status).toBe(202);
    const link = await confirmByMail(email, held.body.appointment_id);
    return { appointmentId: held.body.appointment_id as number, link };
  }

  const appointmentStatus = async (id: number) => (await sut.api.get(`/api/appointments/${id}`)).body.status;

  // Proves: the manage page re-shown at /api/manage/reschedule after a refused move has relative links that 404 (manage/manage/cancel).
  it('keeps the manage page usable after a refused move: its cancel form and day links still work', async () => {
    const { appointmentId, link } = await confirmedGuest(40);
    const refused = await fetch(new URL('/api/manage/reschedule', link), {
      method: 'POST',
      headers: FORM,
      // 05:00 is outside the day's hours.
      body: new URLSearchParams({ token: tokenOf(link), date, requested_slot: '20' }).toString(),
    });
    expect(refused.status).toBe(409);
    const html = await refused.text();
    const pageUrl = refused.url;

    const nextDay = /<a href="([^"]+)" rel="next">/.exec(html)![1];
    const dayPage = await fetch(new URL(unescapeAttribute(nextDay), pageUrl));
    expect(dayPage.status).toBe(200);
    expect(dayPage.headers.get('content-type')).toContain('text/html');

    const cancelAction = /<form method="post" action="([^"]*cancel)">/.exec(html)![1];
    const cancelled = await fetch(new URL(unescapeAttribute(cancelAction), pageUrl), {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ token: tokenOf(link), reason: '' }).toString(),
    });
    expect(cancelled.status).toBe(200);
    expect(await appointmentStatus(appointmentId)).toBe('cancelled');
  });

  // Proves: the manage link's cancel skips the reason rules of the key route (control characters stored; NUL is a 500 on PostgreSQL).
  it.each([
    ['a NUL', 'ill\u0000ness'],
    ['a terminal escape', '\u001b[2J\u001b[31mill'],
  ])('refuses a manage-link cancellation reason with %s, as the key route does, cancelling nothing', async (_what, reason) => {
    const { appointmentId, link } = await confirmedGuest(reason.length + 44);
    const byKey = await sut.api.post(`/api/appointments/${appointmentId}/cancel`, { reason });
    expect(byKey).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });

    const byLink = await sut.anonymous.post('/api/manage/cancel', { token: tokenOf(link), reason }, fromNewAddress());
    expect(byLink).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await appointmentStatus(appointmentId)).toBe('confirmed');
  });

  // Proves: the manage cancel form refused by validation answers problem+json, not a page (a 500-character textarea with CRLFs is 510).
  it('answers a page, never JSON, to the manage page’s cancel form refused for its reason', async () => {
    const { appointmentId, link } = await confirmedGuest(60);
    const typed = `${'a'.repeat(49)}\r\n`.repeat(10);
    const answer = await fetch(new URL('/api/manage/cancel', link), {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ token: tokenOf(link), reason: typed }).toString(),
    });
    expect(answer.status).toBeLessThan(500);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(await appointmentStatus(appointmentId)).toBe(answer.status === 200 ? 'cancelled' : 'confirmed');
  });

  // Proves: a form the validation pipe refuses (before the handler) still gets a page, with the refusal's status.
  it('answers a 400 page, not problem+json, to a manage form whose reason breaks the rules', async () => {
    const { appointmentId, link } = await confirmedGuest(62);
    const answer = await fetch(new URL('/api/manage/cancel', link), {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ token: tokenOf(link), reason: 'ill\u0000ness' }).toString(),
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(await answer.text()).toContain('reason');
    expect(await appointmentStatus(appointmentId)).toBe('confirmed');
  });

  // Review: the issue demands "the caps ... hold" for guests; no spec books as a guest into a cap.
  it("holds a guest's email address to MAX_PENDING_PER_CLIENT pending holds, however many network addresses it comes from", async () => {
    // The test apps lift the cap (fresh-backend.ts): this one keeps the contract's default of 5.
    const capped = await startTestApp(backend.env, {
      env: { SMTP_URL: smtpUrl, TRUSTED_PROXY_HOPS: '1', HOLD_REMINDER_SECONDS: '0', MAX_PENDING_PER_CLIENT: '5' },
    });
    try {
      const own = await createProvider(capped.api, { name: 'Dr. Pending Cap', time_zone: ZONE });
      await publish(capped.api, own.id, date, '08:00', '18:00');
      const email = newEmail('pending-cap');
      const request = (slot: number) =>
        capped.anonymous.post(
          '/api/client_schedule',
          { date, provider_id: own.id, requested_slot: slot, client: { name: 'Capped', email } },
          fromNewAddress(),
        );
      for (const slot of [32, 33, 34, 35, 36]) await expect(request(slot)).resolves.toMatchObject({ status: 202 });
      await expect(request(37)).resolves.toMatchObject({ status: 409, body: { code: 'LIMIT_REACHED' } });
      const listing = await capped.anonymous.get(`/api/schedule?provider_id=${own.id}&date=${date}`);
      expect((listing.body.slots as { index: number }[]).map((slot) => slot.index)).toContain(37);
    } finally {
      await capped.close();
    }
  });

  it("holds a guest's email address to the provider's max_active_per_client", async () => {
    const own = await createProvider(sut.api, { name: 'Dr. Active Cap', time_zone: ZONE });
    await publish(sut.api, own.id, date, '08:00', '18:00');
    await expect(sut.api.request('PATCH', `/api/providers/${own.id}`, { max_active_per_client: 2 })).resolves.toMatchObject({
      status: 200,
    });
    const email = newEmail('active-cap');
    const first = await guestRequest(own.id, 40, { name: 'Capped', email });
    expect(first.status).toBe(202);
    await confirmByMail(email, first.body.appointment_id);
    await expect(guestRequest(own.id, 42, { name: 'Capped', email })).resolves.toMatchObject({ status: 202 });
    await expect(guestRequest(own.id, 44, { name: 'Capped', email })).resolves.toMatchObject({
      status: 409,
      body: { code: 'LIMIT_REACHED' },
    });
  });
});
