import { DateTime } from 'luxon';
import { accessConfig, mailConfig } from '../../src/config/namespaces';
import { EventStreams } from '../../src/queue/event-stream';
import { expectedWait, MeasuredService, ServingEntry, WaitingEntry } from '../../src/queue/expected-wait';
import { QueueEvents } from '../../src/queue/queue-events';
import { backendKind, createBackend, describeBackend, TestBackend } from '../support/backend';
import { CapturingLogger } from '../support/capturing-logger';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { FakeTwilio } from '../support/fake-twilio';
import { outboxRowsOf } from '../support/outbox-rows';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { SseEvent, SseReader } from '../support/sse-reader';
import { TestClock } from '../support/test-clock';
import { startTestApp, TestApp } from '../support/test-app';

const ZONE = 'America/New_York';
const DAY = futureDate(20, ZONE);
const NEXT_DAY = DateTime.fromISO(DAY).plus({ days: 1 }).toISODate()!;
/** An instant given as wall-clock time on DAY in New York. */
const at = (time: string, date = DAY) => DateTime.fromISO(`${date}T${time}`, { zone: ZONE }).toMillis();
const PHONES = { a: '+14155550101', b: '+14155550102', w1: '+14155550103', w2: '+14155550104', w3: '+14155550105' };

/** Waits for work the server does on its own (a stream's clean-up once its client has gone): generous for a loaded machine. */
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Client = Awaited<ReturnType<typeof createClient>>;
type Entry = {
  entry_id: number;
  client_id: number;
  status: string;
  position: number | null;
  expected_wait_minutes: number | null;
  expected_wait_range_minutes: [number, number] | null;
};

/**
 * A provider's day in the live queue, as the front desk, the provider, a waiting-room screen and the
 * clients' phones see it. Time is the injected clock: early on DAY to book (slots must be ahead), then
 * moved through the day.
 */
describeBackend('live queue', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let twilio: FakeTwilio;
  let clock: TestClock;
  let sut: TestApp;
  /** What the app logs; errors are printed as well. */
  const logs = new CapturingLogger(['error']);
  let auth: Record<string, string>;
  let provider: { id: number; name: string };
  let other: { id: number };
  const clients = {} as Record<'a' | 'b' | 'c' | 'w1' | 'w2' | 'w3' | 'x', Client>;
  const appointments = {} as Record<'a' | 'b' | 'c' | 'aTomorrow' | 'xPending', number>;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    twilio = new FakeTwilio();
    const [smtpUrl, twilioUrl] = [await smtp.start(), await twilio.start()];
    clock = new TestClock(at('07:00'));
    sut = await startTestApp(backend.env, {
      // The spec's clock jumps to the day of the appointments: their reminders would be texts of their own.
      env: { SMTP_URL: smtpUrl, SMS_URL: twilio.smsUrl('+15005550006'), SMS_API_URL: twilioUrl, REMINDER_MINUTES: 'none' },
      clock,
      logger: logs,
    });
    auth = { authorization: `Bearer ${sut.config(accessConfig).adminApiKey}` };

    provider = await createProvider(sut.api, { name: 'Dr. Queue', time_zone: ZONE });
    other = await createProvider(sut.api, { time_zone: ZONE });
    for (const name of ['a', 'b', 'w1', 'w2', 'w3'] as const) clients[name] = await createClient(sut.api, { phone: PHONES[name] });
    clients.c = await createClient(sut.api, { name: 'Carol Without Phone' });
    clients.x = await createClient(sut.api);
    await publish(sut.api, provider.id, DAY, '09:00', '12:00');
    await publish(sut.api, provider.id, NEXT_DAY, '09:00', '10:00');
    appointments.a = await book(clients.a, 36, 30); // 09:00–09:30
    appointments.b = await book(clients.b, 38); // 09:30
    appointments.c = await book(clients.c, 39); // 09:45
    appointments.aTomorrow = await book(clients.a, 36, 15, NEXT_DAY);
    const pending = await sut.api.post('/api/client_schedule', {
      date: DAY,
      provider_id: provider.id,
      client_id: clients.x.id,
      requested_slot: 44,
    });
    expect(pending.status).toBe(202);
    appointments.xPending = pending.body.appointment_id;
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await twilio?.stop();
    await backend?.dispose();
  });

  /** Books through the real flow: request, the emailed link, the button. */
  async function book(client: Client, slot: number, minutes = 15, date = DAY): Promise<number> {
    const requested = await sut.api.post('/api/client_schedule', {
      date,
      provider_id: provider.id,
      client_id: client.id,
      requested_slot: slot,
      duration_minutes: minutes,
    });
    expect(requested.status).toBe(202);
    const id = requested.body.appointment_id as number;
    const mail = await smtp.waitFor(client.email, (m) => linkAppointmentId(m) === id);
    const token = new URL(validationLink(mail)).searchParams.get('token')!;
    await expect(sut.api.post('/api/validate', { token })).resolves.toMatchObject({ status: 200 });
    return id;
  }

  const checkIn = (body: Record<string, unknown>) => sut.api.post('/api/queue/check_in', body);
  const next = (providerId = provider.id) => sut.api.post('/api/queue/next', { provider_id: providerId });
  const queueOf = async (providerId = provider.id) => (await sut.api.get(`/api/queue?provider_id=${providerId}`)).body;
  const order = (queue: { entries: Entry[] }) => queue.entries.map((entry) => nameOf(entry.client_id));
  const waits = (queue: { entries: Entry[] }) => queue.entries.map((entry) => entry.expected_wait_minutes);
  const ranges = (queue: { entries: Entry[] }) => queue.entries.map((entry) => entry.expected_wait_range_minutes);
  /**
   * What the documented method (src/queue/expected-wait.ts, unit-tested on its own) expects of this
   * queue at `time`: the waits of the one being served (0), then of those waiting, and their ranges.
   */
  const expected = (time: string, waiting: WaitingEntry[], serving: ServingEntry | null = null, history: MeasuredService[] = []) => {
    const { turns, pace } = expectedWait({ now: at(time), history, serving, waiting });
    const head = serving ? [[0, [0, 0] as [number, number]] as const] : [];
    const rows = [...head, ...turns.map((turn) => [turn.waitMinutes, turn.rangeMinutes] as const)];
    return { waits: rows.map(([wait]) => wait), ranges: rows.map(([, range]) => range), pace };
  };
  const walkInEntry: WaitingEntry = { bookedMinutes: 15, notBefore: null };
  const appointmentAt = (time: string, bookedMinutes = 15): WaitingEntry => ({ bookedMinutes, notBefore: at(time) });
  const nameOf = (clientId: number) => Object.entries(clients).find(([, client]) => client.id === clientId)?.[0];
  const walkIn = (client: Client, providerId = provider.id) => checkIn({ provider_id: providerId, client_id: client.id });

  it('runs a day: check-ins in order, the screen follows every change, next calls and texts, waits learn the pace', async () => {
    clock.set(at('08:50'));
    const screen = await SseReader.open(`${sut.url}/api/queue/events?provider_id=${provider.id}`, auth);
    expect(screen.status).toBe(200);
    expect(screen.headers.get('content-type')).toContain('text/event-stream');
    const initial = await screen.next();
    expect(initial).toMatchObject({ event: 'queue', data: { provider_id: provider.id, date: DAY, now_serving: null, entries: [] } });

    // B checks in early for 09:30; A (09:00) goes ahead of B.
    const b = await checkIn({ appointment_id: appointments.b });
    expect(b.status).toBe(201);
    expect(b.body).toMatchObject({
      provider_id: provider.id,
      client_id: clients.b.id,
      appointment_id: appointments.b,
      date: DAY,
      status: 'waiting',
      position: 1,
      expected_wait_minutes: 40, // never before 09:30
      expected_start: new Date(at('09:30')).toISOString(),
    });
    const a = await checkIn({ appointment_id: appointments.a, provider_id: provider.id });
    expect(a.body).toMatchObject({ position: 1, expected_wait_minutes: 10 });
    expect(waits(await queueOf())).toEqual([10, 40]);

    // Checking in twice answers the same entry and changes nothing.
    const again = await checkIn({ appointment_id: appointments.a });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ entry_id: a.body.entry_id, position: 1 });
    await expect(walkIn(clients.a)).resolves.toMatchObject({ body: { entry_id: a.body.entry_id } });

    // Walk-ins count from their check-in: 09:05 goes after A (09:00) and before B (09:30); ties keep check-in order.
    // A (09:00, 30 minutes) is due; W1 waits for what A's service is expected to take.
    clock.set(at('09:05'));
    const afterA = expected('09:05', [appointmentAt('09:00', 30), walkInEntry, appointmentAt('09:30')]);
    await expect(walkIn(clients.w1)).resolves.toMatchObject({
      status: 201,
      body: { appointment_id: null, position: 2, expected_wait_minutes: afterA.waits[1], expected_wait_range_minutes: afterA.ranges[1] },
    });
    expect(afterA.waits[1]).toBeGreaterThan(15);
    expect(afterA.waits[1]).toBeLessThanOrEqual(30); // the median of a skewed 30 minutes
    clock.set(at('09:10'));
    await walkIn(clients.w2);
    await walkIn(clients.w3);
    const c = await checkIn({ appointment_id: appointments.c, client_id: clients.c.id });
    let queue = await queueOf();
    expect(order(queue)).toEqual(['a', 'w1', 'w2', 'w3', 'b', 'c']);
    expect(queue.entries.map((entry: Entry) => entry.position)).toEqual([1, 2, 3, 4, 5, 6]);
    const lineUp = [appointmentAt('09:00', 30), walkInEntry, walkInEntry, walkInEntry, appointmentAt('09:30'), appointmentAt('09:45')];
    const checkedIn = expected('09:10', lineUp);
    expect(waits(queue)).toEqual(checkedIn.waits);
    expect(ranges(queue)).toEqual(checkedIn.ranges);
    queue.entries.forEach((entry: Entry) => {
      const [low, high] = entry.expected_wait_range_minutes!;
      expect(low).toBeLessThanOrEqual(entry.expected_wait_minutes!);
      expect(entry.expected_wait_minutes).toBeLessThanOrEqual(high);
    });
    expect(queue).toMatchObject({ now_serving: null, average_service_minutes: expect.any(Number), pace: 1 });

    // Carol follows her own entry from her phone, whose EventSource passes her key in the query.
    const phone = await SseReader.open(`${sut.url}/api/queue/entries/${c.body.entry_id}/events?access_token=${clients.c.api_key}`);
    await expect(phone.next()).resolves.toMatchObject({
      event: 'entry',
      data: { entry_id: c.body.entry_id, position: 6, expected_wait_minutes: checkedIn.waits[5] },
    });

    // A is called.
    const first = await next();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ completed: null, now_serving: { entry_id: a.body.entry_id, status: 'called', position: 0 } });
    queue = await queueOf();
    expect(order(queue)).toEqual(['a', 'w1', 'w2', 'w3', 'b', 'c']);
    expect(queue.entries.map((entry: Entry) => entry.position)).toEqual([0, 1, 2, 3, 4, 5]);
    const servingA = { bookedMinutes: 30, calledAt: at('09:10') };
    const aCalled = expected('09:10', lineUp.slice(1), servingA);
    expect(waits(queue)).toEqual(aCalled.waits);
    expect(ranges(queue)).toEqual(aCalled.ranges);
    await expect(twilio.waitFor(PHONES.a)).resolves.toMatchObject({ from: '+15005550006', body: expect.stringMatching(/your turn/i) });
    await expect(twilio.waitFor(PHONES.w1)).resolves.toMatchObject({
      body: expect.stringMatching(new RegExp(`next.*about ${aCalled.waits[1]} min`, 'i')),
    });
    // Both texts were outbox messages about the provider, naming A's appointment (W1 walked in).
    expect((await outboxRowsOf(sut.app, provider.id)).filter((row) => row.kind.startsWith('queue_'))).toEqual([
      expect.objectContaining({ kind: 'queue_called', channel: 'sms', recipient: PHONES.a, appointment_id: appointments.a }),
      expect.objectContaining({ kind: 'queue_next', channel: 'sms', recipient: PHONES.w1, appointment_id: null }),
    ]);
    await expect(phone.next()).resolves.toMatchObject({ data: { position: 5, expected_wait_minutes: aCalled.waits[5] } });

    // Ten minutes into A's service, what is left of it shrinks every wait.
    clock.set(at('09:20'));
    const tenMinutesIn = expected('09:20', lineUp.slice(1), servingA);
    expect(waits(await queueOf())).toEqual(tenMinutesIn.waits);
    tenMinutesIn.waits.slice(1, 4).forEach((wait, i) => expect(wait).toBeLessThan(aCalled.waits[i + 1]));

    // A took its 30 booked minutes; W1 is called (queue-notices.e2e-spec.ts follows texts through Twilio's failures).
    clock.set(at('09:40'));
    const second = await next();
    expect(second.body).toMatchObject({
      completed: { entry_id: a.body.entry_id, status: 'done', position: null },
      now_serving: { client_id: clients.w1.id },
    });
    queue = await queueOf();
    expect(order(queue)).toEqual(['w1', 'w2', 'w3', 'b', 'c']);
    const tookA: MeasuredService[] = [{ bookedMinutes: 30, calledAt: at('09:10'), finishedAt: at('09:40') }];
    const servingW1 = { bookedMinutes: 15, calledAt: at('09:40') };
    const w1Called = expected('09:40', lineUp.slice(2), servingW1, tookA);
    expect(waits(queue)).toEqual(w1Called.waits);
    // A took what it booked: the pace stays about 1.
    expect(queue.pace).toBeCloseTo(1, 1);
    const turn = await twilio.waitFor(PHONES.w1, (message) => /your turn/i.test(message.body));
    expect(turn.body).toContain('Dr. Queue');
    await expect(twilio.waitFor(PHONES.w2)).resolves.toMatchObject({
      body: expect.stringMatching(new RegExp(`next.*about ${w1Called.waits[1]} min`, 'i')),
    });
    await expect(phone.next()).resolves.toMatchObject({ data: { position: 4, expected_wait_minutes: w1Called.waits[4] } });

    // W1, a walk-in booked as 15 minutes, takes 35: the pace rises, and every wait behind with it.
    clock.set(at('10:15'));
    await next();
    queue = await queueOf();
    expect(order(queue)).toEqual(['w2', 'w3', 'b', 'c']);
    const tookW1 = [...tookA, { bookedMinutes: 15, calledAt: at('09:40'), finishedAt: at('10:15') }];
    const w2Called = expected('10:15', lineUp.slice(3), { bookedMinutes: 15, calledAt: at('10:15') }, tookW1);
    expect(queue.pace).toBeCloseTo(w2Called.pace, 3);
    expect(queue.pace).toBeGreaterThan(1.05);
    expect(queue.average_service_minutes).toBeCloseTo(31.5, 1); // 0.7 × 30 + 0.3 × 35
    expect(waits(queue)).toEqual(w2Called.waits);
    expect(ranges(queue)).toEqual(w2Called.ranges);
    // At 09:40 the line had the same shape (a 15-minute service just begun, 15-minute services behind it): now each waits longer.
    w2Called.waits.slice(1).forEach((wait, k) => expect(wait).toBeGreaterThan(w1Called.waits[k + 1]));
    await expect(twilio.waitFor(PHONES.w3)).resolves.toMatchObject({
      body: expect.stringMatching(new RegExp(`about ${w2Called.waits[1]} min`)),
    });
    await expect(phone.next()).resolves.toMatchObject({ data: { position: 3, expected_wait_minutes: w2Called.waits[3] } });

    // W3 does not show; everyone behind moves up.
    const w3 = queue.entries.find((entry: Entry) => entry.client_id === clients.w3.id);
    const noShow = await sut.api.post(`/api/queue/entries/${w3.entry_id}/no_show`);
    expect(noShow).toMatchObject({
      status: 200,
      body: { entry_id: w3.entry_id, status: 'no_show', position: null, expected_wait_minutes: null },
    });
    expect(order(await queueOf())).toEqual(['w2', 'b', 'c']);
    await expect(phone.next()).resolves.toMatchObject({ data: { position: 2 } });

    // B is called; Carol, now first in line and without a phone, gets an email.
    clock.set(at('10:30'));
    await next();
    const mail = await smtp.waitFor(clients.c.email, (m) => /next/i.test(m.subject ?? ''));
    expect(mail.text).toContain("You're next");
    expect(mail.html).toContain('Dr. Queue');
    await expect(phone.next()).resolves.toMatchObject({ data: { position: 1 } });

    // Carol leaves; her stream says so. The last next completes B and calls nobody.
    await expect(sut.api.post(`/api/queue/entries/${c.body.entry_id}/leave`)).resolves.toMatchObject({
      status: 200,
      body: { status: 'left' },
    });
    await expect(phone.next()).resolves.toMatchObject({ data: { entry_id: c.body.entry_id, status: 'left', position: null } });
    clock.set(at('10:45'));
    await expect(next()).resolves.toMatchObject({
      status: 200,
      body: { completed: { client_id: clients.b.id, status: 'done' }, now_serving: null },
    });
    await expect(sut.api.get(`/api/queue/entries/${b.body.entry_id}`)).resolves.toMatchObject({
      status: 200,
      body: { status: 'done', position: null },
    });

    // The screen saw every state, in order, once each.
    const states: SseEvent[] = [initial];
    for (;;) {
      const event = await screen.next(10_000);
      states.push(event);
      if (event.data.entries.length === 0) break;
    }
    expect(states.map((event) => event.event)).toEqual(states.map(() => 'queue'));
    expect(states.map((event) => order(event.data))).toEqual([
      [],
      ['b'],
      ['a', 'b'],
      ['a', 'w1', 'b'],
      ['a', 'w1', 'w2', 'b'],
      ['a', 'w1', 'w2', 'w3', 'b'],
      ['a', 'w1', 'w2', 'w3', 'b', 'c'],
      ['a', 'w1', 'w2', 'w3', 'b', 'c'], // A called
      ['w1', 'w2', 'w3', 'b', 'c'], // W1 called
      ['w2', 'w3', 'b', 'c'], // W2 called
      ['w2', 'b', 'c'], // W3 no-show
      ['b', 'c'], // B called
      ['b'], // Carol left
      [], // B done
    ]);
    const revisions = states.map((event) => Number(event.id));
    expect(revisions).toEqual(revisions.map((_, i) => revisions[0] + i));
    expect(states[7].data.now_serving).toMatchObject({ client_id: clients.a.id, position: 0 });
    expect(await screen.quiet(100)).toBe(true);

    // Streams whose client goes away are cleaned up on the server, their subscriptions with them.
    const [streams, bus] = [sut.app.get(EventStreams), sut.app.get(QueueEvents)];
    expect([streams.size, bus.listenerCount()]).toEqual([2, 2]);
    screen.close();
    phone.close();
    await until(() => streams.size === 0 && bus.listenerCount() === 0);

    // Nobody is left: next is refused, and so is acting on a finished entry.
    await expect(next()).resolves.toMatchObject({ status: 409, body: { code: 'QUEUE_EMPTY' } });
    await expect(sut.api.post(`/api/queue/entries/${a.body.entry_id}/no_show`)).resolves.toMatchObject({
      status: 409,
      body: { code: 'ENTRY_CLOSED' },
    });
    await expect(sut.api.post(`/api/queue/entries/${c.body.entry_id}/leave`)).resolves.toMatchObject({
      status: 409,
      body: { code: 'ENTRY_CLOSED' },
    });
  });

  it('lets simultaneous "next" calls never call the same client', async () => {
    const walkers = await Promise.all(Array.from({ length: 5 }, () => createClient(sut.api)));
    for (const client of walkers) await expect(walkIn(client, other.id)).resolves.toMatchObject({ status: 201 });
    const answers = await Promise.all(Array.from({ length: 4 }, () => next(other.id)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const called = answers.map((answer) => answer.body.now_serving.client_id);
    expect(new Set(called).size).toBe(4);
    const completed = answers.map((answer) => answer.body.completed?.client_id).filter((id) => id !== undefined);
    expect(new Set(completed).size).toBe(3);
    completed.forEach((id) => expect(called).toContain(id));
    const queue = await queueOf(other.id);
    expect(queue.entries.map((entry: Entry) => entry.status)).toEqual(['called', 'waiting']);
    expect(new Set([...called, ...queue.entries.map((entry: Entry) => entry.client_id)]).size).toBe(5);
    // Then the queue is emptied, one call at a time.
    await expect(next(other.id)).resolves.toMatchObject({ status: 200 });
    await expect(next(other.id)).resolves.toMatchObject({ status: 200, body: { now_serving: null } });
  });

  it('refuses bad check-ins and actions with a 4xx problem, changing nothing', async () => {
    const waiting = await walkIn(clients.x, other.id);
    const before = [await queueOf(), await queueOf(other.id)];
    const cases: [string, () => Promise<{ status: number; body: any; headers: Headers }>, number, string, string?][] = [
      ['an appointment that is not confirmed', () => checkIn({ appointment_id: appointments.xPending }), 409, 'CHECK_IN_REFUSED'],
      ['an appointment of another day', () => checkIn({ appointment_id: appointments.aTomorrow }), 409, 'CHECK_IN_REFUSED'],
      [
        'an appointment with another provider',
        () => checkIn({ appointment_id: appointments.b, provider_id: other.id }),
        409,
        'CHECK_IN_REFUSED',
      ],
      [
        'an appointment of another client',
        () => checkIn({ appointment_id: appointments.b, client_id: clients.a.id }),
        409,
        'CHECK_IN_REFUSED',
      ],
      ['an unknown appointment', () => checkIn({ appointment_id: 2_000_000_000 }), 404, 'APPOINTMENT_NOT_FOUND'],
      [
        'a walk-in of an unknown provider',
        () => checkIn({ provider_id: 2_000_000_000, client_id: clients.x.id }),
        404,
        'PROVIDER_NOT_FOUND',
      ],
      ['a walk-in of an unknown client', () => checkIn({ provider_id: provider.id, client_id: 2_000_000_000 }), 404, 'CLIENT_NOT_FOUND'],
      ['an empty body', () => checkIn({}), 400, 'VALIDATION_FAILED', 'appointment_id'],
      ['no body', () => sut.api.post('/api/queue/check_in'), 400, 'VALIDATION_FAILED'],
      ['a walk-in without a client', () => checkIn({ provider_id: provider.id }), 400, 'VALIDATION_FAILED', 'client_id'],
      ['a null appointment id', () => checkIn({ appointment_id: null }), 400, 'VALIDATION_FAILED', 'appointment_id'],
      ['a walk-in with a null client', () => checkIn({ provider_id: provider.id, client_id: null }), 400, 'VALIDATION_FAILED', 'client_id'],
      ['an appointment id as text', () => checkIn({ appointment_id: '12' }), 400, 'VALIDATION_FAILED', 'appointment_id'],
      ['a negative provider id', () => checkIn({ provider_id: -1, client_id: clients.x.id }), 400, 'VALIDATION_FAILED', 'provider_id'],
      ['an unknown field', () => checkIn({ appointment_id: appointments.b, priority: 1 }), 400, 'VALIDATION_FAILED', 'priority'],
      [
        'malformed JSON',
        () => sut.api.raw('POST', '/api/queue/check_in', '{"appointment_id": ', { 'content-type': 'application/json' }),
        400,
        'VALIDATION_FAILED',
        'body',
      ],
      ['next without a provider', () => sut.api.post('/api/queue/next', {}), 400, 'VALIDATION_FAILED', 'provider_id'],
      ['next of an unknown provider', () => next(2_000_000_000), 404, 'PROVIDER_NOT_FOUND'],
      ['next on an empty queue', () => next(provider.id), 409, 'QUEUE_EMPTY'],
      ['an unknown entry', () => sut.api.get('/api/queue/entries/2000000000'), 404, 'NOT_FOUND'],
      ['an entry id that is not a number', () => sut.api.get('/api/queue/entries/abc'), 400, 'VALIDATION_FAILED'],
      ['a no-show of an unknown entry', () => sut.api.post('/api/queue/entries/2000000000/no_show'), 404, 'NOT_FOUND'],
      [
        'leaving with an entry id past the integer range',
        () => sut.api.post('/api/queue/entries/99999999999999999999/leave'),
        400,
        'VALIDATION_FAILED',
      ],
      ['a queue without a provider', () => sut.api.get('/api/queue'), 400, 'VALIDATION_FAILED', 'provider_id'],
      [
        'a queue of a date that does not exist',
        () => sut.api.get(`/api/queue?provider_id=${provider.id}&date=2026-02-30`),
        400,
        'VALIDATION_FAILED',
        'date',
      ],
      ['the events of an unknown provider', () => sut.api.get('/api/queue/events?provider_id=2000000000'), 404, 'PROVIDER_NOT_FOUND'],
      ['the events of an unknown entry', () => sut.api.get('/api/queue/entries/2000000000/events'), 404, 'NOT_FOUND'],
    ];
    for (const [name, request, status, code, field] of cases) {
      const response = await request();
      expect({ name, status: response.status, code: response.body?.code }).toEqual({ name, status, code });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      if (field) expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    expect([await queueOf(), await queueOf(other.id)]).toEqual(before);
    await expect(sut.api.get(`/api/queue/entries/${waiting.body.entry_id}`)).resolves.toMatchObject({ body: { status: 'waiting' } });
  });

  it('takes a cancelled appointment out of the queue: nobody calls a client who cancelled', async () => {
    const late = await createProvider(sut.api, { time_zone: ZONE });
    const client = await createClient(sut.api, { phone: '+14155550177' });
    await publish(sut.api, late.id, DAY, '23:30', '24:00');
    const requested = await sut.api.post('/api/client_schedule', {
      date: DAY,
      provider_id: late.id,
      client_id: client.id,
      requested_slot: 94,
    });
    expect(requested.status).toBe(202);
    const mail = await smtp.waitFor(client.email, (m) => linkAppointmentId(m) === requested.body.appointment_id);
    await expect(sut.api.post('/api/validate', { token: new URL(validationLink(mail)).searchParams.get('token')! })).resolves.toMatchObject(
      { status: 200 },
    );
    const entry = await checkIn({ appointment_id: requested.body.appointment_id });
    expect(entry).toMatchObject({ status: 201, body: { status: 'waiting', position: 1 } });

    await expect(sut.anonymous.as(client.api_key).post(`/api/appointments/${requested.body.appointment_id}/cancel`)).resolves.toMatchObject(
      {
        status: 200,
      },
    );

    await expect(sut.api.get(`/api/queue/entries/${entry.body.entry_id}`)).resolves.toMatchObject({ body: { status: 'left' } });
    expect((await queueOf(late.id)).entries).toEqual([]);
    await expect(next(late.id)).resolves.toMatchObject({ status: 409, body: { code: 'QUEUE_EMPTY' } });
  });

  (backendKind() === 'services' ? it : it.skip)('carries a change made on one instance to a subscriber on another', async () => {
    const second = await startTestApp(backend.env, {
      env: { SMTP_URL: sut.config(mailConfig).smtpUrl, SMS_URL: twilio.smsUrl(), SMS_API_URL: twilio.url, REMINDER_MINUTES: 'none' },
      clock,
    });
    try {
      const fresh = await createProvider(sut.api, { time_zone: ZONE });
      const walker = await createClient(sut.api);
      const remote = await SseReader.open(`${second.url}/api/queue/events?provider_id=${fresh.id}`, auth);
      await expect(remote.next()).resolves.toMatchObject({ data: { entries: [] } });
      await expect(walkIn(walker, fresh.id)).resolves.toMatchObject({ status: 201 });
      await expect(remote.next()).resolves.toMatchObject({ event: 'queue', data: { entries: [{ client_id: walker.id, position: 1 }] } });
      await expect(next(fresh.id)).resolves.toMatchObject({ status: 200 });
      await expect(remote.next()).resolves.toMatchObject({ data: { now_serving: { client_id: walker.id } } });
      remote.close();
    } finally {
      await second.close();
    }
  });
});
