import { DateTime } from 'luxon';
import { ParsedMail } from 'mailparser';
import { createClient as createRedisClient } from 'redis';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { TestClock } from '../support/test-clock';
import { startTestApp, TestApp } from '../support/test-app';

/*
 * Review of the booking rules, reschedule and cancellation (found failing on main at 6c6a63e): the
 * manage link's cancellation reason, the buffer's reach at the ends of the calendar, and the buffer
 * on a link pressed after the hold store lost its hold.
 */

const ZONE = 'Europe/Paris';
/** The day the spec's clock stands on (07:00 in Paris), and the next one, where the appointments are. */
const TODAY = futureDate(20, ZONE);
const DAY = DateTime.fromISO(TODAY).plus({ days: 1 }).toISODate()!;
const at = (time: string, date = DAY) => DateTime.fromISO(`${date}T${time}`, { zone: ZONE }).toMillis();

/** The manage link in a mail's text part. */
function manageLink(mail: ParsedMail): string {
  const match = /(https?:\/\/\S+\/api\/manage\?token=[A-Za-z0-9._%-]+)/.exec(mail.text ?? '');
  if (!match) throw new Error('No manage link in the mail');
  return match[1];
}

describeBackend('booking rules, reschedule and cancellation under review', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let smtpUrl: string;
  const clock = new TestClock(at('07:00', TODAY));
  let sut: TestApp;
  const start = () => startTestApp(backend.env, { clock, env: { SMTP_URL: smtpUrl } });

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    smtpUrl = await smtp.start();
    sut = await start();
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  const as = (person: { api_key: string }) => sut.anonymous.as(person.api_key);

  async function newProvider(rules: Record<string, unknown> = {}) {
    const provider = await createProvider(sut.api, { time_zone: ZONE });
    if (Object.keys(rules).length > 0) {
      await expect(sut.api.request('PATCH', `/api/providers/${provider.id}`, rules)).resolves.toMatchObject({ status: 200 });
    }
    await publish(sut.api, provider.id, DAY, '08:00', '18:00');
    return provider;
  }

  const ask = (client: { id: number; api_key: string }, providerId: number, date: string, slot: number, minutes = 15) =>
    as(client).post('/api/client_schedule', {
      date,
      provider_id: providerId,
      client_id: client.id,
      requested_slot: slot,
      duration_minutes: minutes,
    });

  async function validationToken(email: string, id: number): Promise<string> {
    const mail = await smtp.waitFor(email, (each) => linkAppointmentId(each) === id);
    return new URL(validationLink(mail)).searchParams.get('token')!;
  }

  /** A confirmed appointment, booked as a person would: the request, the emailed link, the button. */
  async function book(provider: { id: number }, client: { id: number; email: string; api_key: string }, slot: number, minutes = 15) {
    const requested = await ask(client, provider.id, DAY, slot, minutes);
    expect(requested.status).toBe(202);
    const id = requested.body.appointment_id as number;
    const token = await validationToken(client.email, id);
    await expect(sut.anonymous.post('/api/validate', { token })).resolves.toMatchObject({ status: 200, body: { status: 'confirmed' } });
    return id;
  }

  // Proves POST /api/manage/cancel takes a reason the API refuses (NUL, other controls, bidi): stored on SQLite, a 500 on PostgreSQL; "same rules, same answers".
  it.each([
    ['a NUL', 'ill\u0000ness'],
    ['a bell', 'ill\u0007ness'],
    ['a right-to-left override', 'ill\u202eness'],
  ])(
    'refuses a manage link cancellation whose reason holds %s with 400 naming reason, as the API does, and cancels nothing',
    async (_name, reason) => {
      const provider = await newProvider();
      const client = await createClient(sut.api);
      const id = await book(provider, client, 40);
      const confirmation = await smtp.waitFor(client.email, (mail) => (mail.subject ?? '').startsWith('Appointment confirmed'));
      const token = new URL(manageLink(confirmation)).searchParams.get('token')!;
      await expect(as(client).post(`/api/appointments/${id}/cancel`, { reason })).resolves.toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED', errors: [{ field: 'reason' }] },
      });

      const byLink = await sut.anonymous.post('/api/manage/cancel', { token, reason });

      expect({ status: byLink.status, code: byLink.body.code, fields: byLink.body.errors?.map((e: { field: string }) => e.field) }).toEqual(
        {
          status: 400,
          code: 'VALIDATION_FAILED',
          fields: ['reason'],
        },
      );
      await expect(sut.api.get(`/api/appointments/${id}`)).resolves.toMatchObject({ body: { status: 'confirmed' } });
    },
  );

  // Proves a buffer reaching past the calendar's first or last date (1969-12-31, 10000-01-01) is a TypeError: 500 on the listing, a request and a reschedule; "No input … yields a 5xx".
  it.each(['1970-01-01', '9999-12-31'])(
    'answers %s, open every day with a buffer, without a 5xx: the listing, a request and a reschedule',
    async (date) => {
      const provider = await newProvider({ buffer_minutes: 15 });
      const everyDay = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start_time: '00:00', end_time: '24:00' }));
      await expect(sut.api.request('PUT', `/api/providers/${provider.id}/weekly_hours`, { hours: everyDay })).resolves.toMatchObject({
        status: 200,
      });
      const client = await createClient(sut.api);
      const id = await book(provider, client, 40);

      const listing = await sut.anonymous.get(`/api/schedule?provider_id=${provider.id}&date=${date}`);
      const requested = await ask(client, provider.id, date, 95);
      const moved = await as(client).post(`/api/appointments/${id}/reschedule`, { date, requested_slot: 0 });

      // Long past, or past any horizon: a rule's refusal (409 or 422), never an internal error.
      const refused = (status: number) => ([409, 422].includes(status) ? 'refused' : status);
      expect({ listing: listing.status, request: refused(requested.status), reschedule: refused(moved.status) }).toEqual({
        listing: 200,
        request: 'refused',
        reschedule: 'refused',
      });
      expect(listing.body.slots).toEqual([]);
      await expect(sut.api.get(`/api/appointments/${id}`)).resolves.toMatchObject({ body: { status: 'confirmed', date: DAY } });
    },
  );

  /** Empties the hold store, as a restart loses it: the embedded store with its process, a Redis without persistence. */
  async function loseHolds(): Promise<void> {
    if (backend.kind === 'embedded') {
      await sut.close();
      sut = await start();
      return;
    }
    const redis = createRedisClient({ url: backend.env.REDIS_URL });
    await redis.connect();
    for await (const key of redis.scanIterator({ MATCH: `${backend.env.REDIS_PREFIX}*{p*` })) await redis.del(key);
    await redis.quit();
  }

  /** Two minutes pass for the hold store: the clock moves on, and Redis drops what would lapse within them (it keeps its own time). */
  async function twoMinutesPass(): Promise<void> {
    clock.advance(2);
    if (backend.kind === 'embedded') return;
    const redis = createRedisClient({ url: backend.env.REDIS_URL });
    await redis.connect();
    for await (const key of redis.scanIterator({ MATCH: `${backend.env.REDIS_PREFIX}*{p*` })) {
      const left = await redis.pTTL(key);
      if (left >= 0 && left <= 120_000) await redis.del(key);
    }
    await redis.quit();
  }

  // Proves ConfirmationService.readyHold reclaims a lost hold checking its buffer against holds only, not bookings: two confirmed appointments 0 minutes apart under a 15-minute buffer.
  it('refuses a link pressed after the hold store lost its hold when a booking now sits inside its buffer', async () => {
    const provider = await newProvider({ buffer_minutes: 15 });
    const [waiting, mover] = [await createClient(sut.api), await createClient(sut.api)];
    const elsewhere = await book(provider, mover, 60); // 15:00
    const pending = await ask(waiting, provider.id, DAY, 40, 30); // 10:00–10:30
    expect(pending.status).toBe(202);
    const token = await validationToken(waiting.email, pending.body.appointment_id);
    await loseHolds();
    // With the hold gone, 10:30 looks free: the confirmed appointment may move there (its slots pinned a minute).
    const move = await as(mover).post(`/api/appointments/${elsewhere}/reschedule`, { date: DAY, requested_slot: 42 });
    expect([200, 409]).toContain(move.status);
    await twoMinutesPass();

    const pressed = await sut.anonymous.post('/api/validate', { token });

    // Whichever of the two gets 10:00–10:30 or 10:30–10:45, never both: they would sit 0 minutes apart.
    const confirmed = (await sut.api.get(`/api/appointments?provider_id=${provider.id}&date=${DAY}`)).body.items
      .filter((appointment: { status: string }) => appointment.status === 'confirmed')
      .map((appointment: { start_time: string; end_time: string }) => `${appointment.start_time}–${appointment.end_time}`);
    expect({ move: move.status, pressed: pressed.status, confirmed }).toEqual(
      move.status === 200
        ? { move: 200, pressed: 409, confirmed: ['10:30–10:45'] }
        : { move: 409, pressed: 200, confirmed: ['10:00–10:30', '15:00–15:15'] },
    );
  });
});
