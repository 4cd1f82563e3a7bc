import { ParsedMail } from 'mailparser';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isOffer = (mail: ParsedMail) => (mail.subject ?? '').startsWith('A time opened up');
const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

type Client = Awaited<ReturnType<typeof createClient>>;

/** The steps every spec below takes, on one app. */
function steps(sut: () => TestApp, smtp: () => SmtpSink) {
  /** Requests a slot for a new client and presses the emailed link: the slot is booked. */
  async function book(providerId: number, date: string, slot: number) {
    const client = await createClient(sut().api);
    const requested = await sut().api.post('/api/client_schedule', {
      date,
      provider_id: providerId,
      client_id: client.id,
      requested_slot: slot,
    });
    expect(requested.status).toBe(202);
    const link = validationLink(await smtp().waitFor(client.email));
    await expect(sut().anonymous.post('/api/validate', { token: tokenOf(link) })).resolves.toMatchObject({ status: 200 });
    return { client, appointmentId: requested.body.appointment_id as number };
  }

  /** A new client joins the waitlist with its own key. */
  async function join(providerId: number, date: string, fields: Record<string, unknown> = {}) {
    const client = await createClient(sut().api);
    const joined = await sut()
      .api.as(client.api_key)
      .post('/api/waitlist', { provider_id: providerId, client_id: client.id, date, ...fields });
    expect(joined).toMatchObject({ status: 201, body: { status: 'waiting', client_id: client.id } });
    return { client, entryId: joined.body.id as number };
  }

  async function entry(entryId: number) {
    const read = await sut().api.get(`/api/waitlist/${entryId}`);
    expect(read.status).toBe(200);
    return read.body as { status: string; appointment_id: number | null };
  }

  /** The offer mailed to this client: its link, and the appointment the entry now names (made in the background: a generous wait). */
  async function offerTo(client: Client, entryId: number, timeoutMs = 15_000) {
    const link = validationLink(await smtp().waitFor(client.email, isOffer, timeoutMs));
    const read = await entry(entryId);
    expect(read.status).toBe('offered');
    const appointment = await sut().api.get(`/api/appointments/${read.appointment_id}`);
    expect(appointment.body).toMatchObject({ status: 'pending', client_id: client.id });
    return { link, appointment: appointment.body as { id: number; start_time: string; end_time: string; date: string } };
  }

  /** No offer reached these clients, and their entries still wait (after the triggers had time to run). */
  async function stillWaiting(...waiting: { client: Client; entryId: number }[]) {
    await sleep(300);
    for (const each of waiting) {
      expect({ entry: each.entryId, offers: smtp().to(each.client.email).filter(isOffer).length }).toEqual({
        entry: each.entryId,
        offers: 0,
      });
      expect(await entry(each.entryId)).toMatchObject({ status: 'waiting', appointment_id: null });
    }
  }

  const cancel = (appointmentId: number) => sut().api.post(`/api/appointments/${appointmentId}/cancel`);

  return { book, join, entry, offerTo, stillWaiting, cancel };
}

describeBackend('waitlist', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let smtpUrl: string;
  let sut: TestApp;
  const { book, join, entry, offerTo, stillWaiting, cancel } = steps(
    () => sut,
    () => smtp,
  );

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    smtpUrl = await smtp.start();
    sut = await startTestApp(backend.env, { env: { SMTP_URL: smtpUrl } });
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  it('offers a cancelled slot to the waiting client, whose emailed link books it', async () => {
    const provider = await createProvider(sut.api);
    const date = futureDate(40);
    await publish(sut.api, provider.id, date, '09:00', '09:30');
    const first = await book(provider.id, date, 36);
    await book(provider.id, date, 37);
    const waiting = await join(provider.id, date);
    await stillWaiting(waiting);

    await expect(cancel(first.appointmentId)).resolves.toMatchObject({ status: 200 });
    const offer = await offerTo(waiting.client, waiting.entryId);
    expect(offer.appointment).toMatchObject({ date, start_time: '09:00', end_time: '09:15' });
    const deliveries = await sut.api.get(`/api/deliveries?appointment_id=${offer.appointment.id}`);
    expect(deliveries.body.items.map((item: { kind: string }) => item.kind)).toContain('waitlist_offer');

    // The link is a validation link like any other: the page, then the button.
    expect((await fetch(offer.link)).status).toBe(200);
    await expect(sut.anonymous.post('/api/validate', { token: tokenOf(offer.link) })).resolves.toMatchObject({
      status: 200,
      body: { status: 'confirmed' },
    });
    await expect(entry(waiting.entryId)).resolves.toMatchObject({ status: 'booked', appointment_id: offer.appointment.id });
    const listed = await sut.api.as(provider.api_key).get(`/api/waitlist?provider_id=${provider.id}&date=${date}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: waiting.entryId, status: 'booked' })]);
  });

  it('offers to the longest-waiting entry that fits, passing over those whose window or duration does not', async () => {
    const provider = await createProvider(sut.api);
    const date = futureDate(41);
    await publish(sut.api, provider.id, date, '09:00', '10:00');
    const booked = [];
    for (const slot of [36, 37, 38, 39]) booked.push(await book(provider.id, date, slot));
    const longer = await join(provider.id, date, { duration_minutes: 30 });
    const late = await join(provider.id, date, { from_slot: 38, to_slot: 40 });
    const any = await join(provider.id, date);
    const anyToo = await join(provider.id, date);

    // 09:00 opens alone: too short for the first, before the second's window; the third gets it.
    await cancel(booked[0].appointmentId);
    await expect(offerTo(any.client, any.entryId)).resolves.toMatchObject({ appointment: { start_time: '09:00' } });
    await stillWaiting(longer, late, anyToo);

    // 09:30 opens alone: inside the second's window, which waited longer than the fourth.
    await cancel(booked[2].appointmentId);
    await expect(offerTo(late.client, late.entryId)).resolves.toMatchObject({ appointment: { start_time: '09:30', end_time: '09:45' } });
    await stillWaiting(longer, anyToo);

    // 09:45 opens: 09:30 is held by the offer, so 30 minutes still do not fit; the fourth gets it.
    await cancel(booked[3].appointmentId);
    await expect(offerTo(anyToo.client, anyToo.entryId)).resolves.toMatchObject({ appointment: { start_time: '09:45' } });
    await stillWaiting(longer);
  });

  it('makes no offer to an entry that left; leaving with an offer outstanding passes it on at once', async () => {
    const provider = await createProvider(sut.api);
    const date = futureDate(42);
    await publish(sut.api, provider.id, date, '09:00', '09:15');
    const taken = await book(provider.id, date, 36);
    const leaving = await join(provider.id, date);
    const offered = await join(provider.id, date);
    const next = await join(provider.id, date);

    await expect(sut.api.as(leaving.client.api_key).request('DELETE', `/api/waitlist/${leaving.entryId}`)).resolves.toMatchObject({
      status: 204,
    });
    await expect(entry(leaving.entryId)).resolves.toMatchObject({ status: 'left' });
    await cancel(taken.appointmentId);
    const offer = await offerTo(offered.client, offered.entryId);
    await stillWaiting(next);
    expect(smtp.to(leaving.client.email).filter(isOffer)).toEqual([]);

    // The offered client leaves before pressing its link: the hold is cancelled and the next entry gets the slot.
    await expect(sut.api.as(offered.client.api_key).request('DELETE', `/api/waitlist/${offered.entryId}`)).resolves.toMatchObject({
      status: 204,
    });
    await expect(sut.api.get(`/api/appointments/${offer.appointment.id}`)).resolves.toMatchObject({ body: { status: 'cancelled' } });
    await expect(entry(offered.entryId)).resolves.toMatchObject({ status: 'left' });
    await expect(offerTo(next.client, next.entryId)).resolves.toMatchObject({ appointment: { start_time: '09:00' } });
    await expect(sut.anonymous.post('/api/validate', { token: tokenOf(offer.link) })).resolves.toMatchObject({
      status: 409,
      body: { code: 'HOLD_CANCELLED' },
    });
    // Leaving twice answers the same.
    await expect(sut.api.request('DELETE', `/api/waitlist/${leaving.entryId}`)).resolves.toMatchObject({ status: 204 });
  });

  it('offers slots that new hours open: a date override, then weekly hours', async () => {
    const provider = await createProvider(sut.api);
    const overrideDate = futureDate(43);
    const onOverride = await join(provider.id, overrideDate, { from_slot: 40, to_slot: 44 });
    const weeklyDate = futureDate(44);
    const onWeekly = await join(provider.id, weeklyDate, { duration_minutes: 60 });
    await stillWaiting(onOverride, onWeekly);

    const override = await sut.api.request('PUT', `/api/providers/${provider.id}/dates/${overrideDate}`, {
      windows: [{ start_time: '09:00', end_time: '11:00' }],
    });
    expect(override.status).toBe(200);
    await expect(offerTo(onOverride.client, onOverride.entryId)).resolves.toMatchObject({ appointment: { start_time: '10:00' } });
    await stillWaiting(onWeekly);

    const weekday = new Date(`${weeklyDate}T00:00:00Z`).getUTCDay() || 7;
    const hours = await sut.api.request('PUT', `/api/providers/${provider.id}/weekly_hours`, {
      hours: [{ weekday, start_time: '14:00', end_time: '15:00' }],
    });
    expect(hours.status).toBe(200);
    await expect(offerTo(onWeekly.client, onWeekly.entryId)).resolves.toMatchObject({
      appointment: { start_time: '14:00', end_time: '15:00' },
    });
  });

  it('passes over a client at its cap, who keeps waiting', async () => {
    const provider = await createProvider(sut.api);
    const date = futureDate(45);
    await publish(sut.api, provider.id, date, '09:00', '09:15');
    await publish(sut.api, provider.id, futureDate(46), '09:00', '10:00');
    expect((await sut.api.request('PATCH', `/api/providers/${provider.id}`, { max_active_per_client: 1 })).status).toBe(200);
    const taken = await book(provider.id, date, 36);
    const capped = await join(provider.id, date);
    // The capped client already has an upcoming appointment with this provider.
    const held = await sut.api.post('/api/client_schedule', {
      date: futureDate(46),
      provider_id: provider.id,
      client_id: capped.client.id,
      requested_slot: 36,
    });
    expect(held.status).toBe(202);
    const other = await join(provider.id, date);

    await cancel(taken.appointmentId);
    await offerTo(other.client, other.entryId);
    await stillWaiting(capped);
  });

  it('joins once for an Idempotency-Key sent twice, and lists a client only its own entries', async () => {
    const provider = await createProvider(sut.api);
    const date = futureDate(47);
    const [ada, alan] = [await createClient(sut.api), await createClient(sut.api)];
    const body = { provider_id: provider.id, client_id: ada.id, date, from_slot: 0, to_slot: 4 };
    const first = await sut.api.as(ada.api_key).post('/api/waitlist', body, { 'idempotency-key': 'join-once' });
    const again = await sut.api.as(ada.api_key).post('/api/waitlist', body, { 'idempotency-key': 'join-once' });
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await sut.api.post('/api/waitlist', { ...body, client_id: alan.id });
    const all = await sut.api.get(`/api/waitlist?provider_id=${provider.id}`);
    expect(all.body.items.map((item: { client_id: number }) => item.client_id)).toEqual([ada.id, alan.id]);
    const own = await sut.api.as(ada.api_key).get(`/api/waitlist?provider_id=${provider.id}`);
    expect(own.body.items).toEqual([first.body]);
    await expect(sut.api.as(alan.api_key).get(`/api/waitlist/${first.body.id}`)).resolves.toMatchObject({ status: 404 });
    await expect(sut.api.as(alan.api_key).post('/api/waitlist', body)).resolves.toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('an offer racing 20 requests for the same slot never double-books', async () => {
    // On PostgreSQL and Redis, half the requests go to a second process.
    const second = backend.kind === 'services' ? await startTestApp(backend.env, { env: { SMTP_URL: smtpUrl } }) : sut;
    try {
      for (let round = 0; round < 3; round++) {
        const provider = await createProvider(sut.api);
        const date = futureDate(50 + round);
        await publish(sut.api, provider.id, date, '09:00', '09:15');
        const taken = await book(provider.id, date, 36);
        const waiting = await join(provider.id, date);
        const clients = await Promise.all(Array.from({ length: 20 }, () => createClient(sut.api)));
        // The offer is made in the background once the cancellation has answered: the requests race it.
        expect((await cancel(taken.appointmentId)).status).toBe(200);
        const answers = await Promise.all(
          clients.map((client, i) =>
            (i % 2 === 0 ? sut : second).api.post('/api/client_schedule', {
              date,
              provider_id: provider.id,
              client_id: client.id,
              requested_slot: 36,
            }),
          ),
        );
        expect(answers.every((answer) => answer.status === 202 || answer.status === 409)).toBe(true);
        const liveAppointments = async () => {
          const listed = await sut.api.get(`/api/appointments?provider_id=${provider.id}&date=${date}`);
          return listed.body.items.filter((item: { status: string }) => item.status === 'pending' || item.status === 'confirmed');
        };
        // The offer, if the requests left the slot to it, is made after the cancellation answers (seconds after, on a loaded machine).
        for (let waited = 0; (await liveAppointments()).length === 0 && waited < 20_000; waited += 100) await sleep(100);
        await sleep(300);
        expect(await liveAppointments()).toHaveLength(1);
        const offered = (await entry(waiting.entryId)).status === 'offered';
        const won = answers.filter((answer) => answer.status === 202).length;
        expect({ offered, won }).toEqual(offered ? { offered: true, won: 0 } : { offered: false, won: 1 });
      }
    } finally {
      if (second !== sut) await second.close();
    }
  });
});

const HOLD_TTL_SECONDS = 5;
/** A hold's lapse, the sweep that notices it (every 5 s) and the offer's email, with room for a loaded machine. */
const LAPSE_NOTICED_MS = HOLD_TTL_SECONDS * 1000 + 5000 + 10_000;

describeBackend('waitlist offers that lapse', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;
  const { join, entry, offerTo, stillWaiting } = steps(
    () => sut,
    () => smtp,
  );

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    // Holds last 5 s: the checks made while one lasts fit in it on a loaded machine. The sweeper notices a
    // lapse within 5 s more, with nobody looking.
    sut = await startTestApp(backend.env, {
      env: { SMTP_URL: await smtp.start(), HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS), HOLD_REMINDER_SECONDS: '0' },
    });
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  it('offers a slot whose hold lapsed; a lapsed offer goes to the next entry, whose link books it', async () => {
    const provider = await createProvider(sut.api);
    const date = futureDate(60);
    await publish(sut.api, provider.id, date, '09:00', '09:15');
    // A request left unconfirmed holds the only slot.
    const holder = await createClient(sut.api);
    const held = await sut.api.post('/api/client_schedule', { date, provider_id: provider.id, client_id: holder.id, requested_slot: 36 });
    expect(held.status).toBe(202);
    const first = await join(provider.id, date);
    const second = await join(provider.id, date);
    await stillWaiting(first, second);

    // The hold lapses: the sweeper notices it, and the first entry is offered the slot.
    const firstOffer = await offerTo(first.client, first.entryId, LAPSE_NOTICED_MS);
    await stillWaiting(second);
    // Its offer lapses in turn: the entry reads lapsed, and the second entry gets the slot.
    const secondOffer = await offerTo(second.client, second.entryId, LAPSE_NOTICED_MS);
    await expect(entry(first.entryId)).resolves.toMatchObject({ status: 'lapsed' });
    await expect(sut.anonymous.post('/api/validate', { token: tokenOf(firstOffer.link) })).resolves.toMatchObject({
      status: 410,
      body: { code: 'HOLD_EXPIRED' },
    });
    await expect(sut.anonymous.post('/api/validate', { token: tokenOf(secondOffer.link) })).resolves.toMatchObject({
      status: 200,
      body: { status: 'confirmed' },
    });
    await expect(entry(second.entryId)).resolves.toMatchObject({ status: 'booked' });
    // Only one offer each.
    expect(smtp.to(first.client.email).filter(isOffer)).toHaveLength(1);
    // Two lapses, each noticed up to LAPSE_NOTICED_MS after it came.
  }, 60_000);
});
