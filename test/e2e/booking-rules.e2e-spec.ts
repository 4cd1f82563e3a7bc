import { BookingRules } from '../../src/scheduling/booking-rules';
import { ApiResponse } from '../support/api-client';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { askedAgainWhileUnavailable } from '../support/expectations';
import { createClient, createProvider, futureDate, openIndexes, publish } from '../support/factories';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

const ZONE = 'Europe/Paris';
/** The cap on a client's pending holds this spec runs with. */
const MAX_PENDING = 4;

/**
 * The booking rules are checked on the request itself, not only in the listing (the bug class of
 * Cal.com's #14465 and #14868): each is refused on a direct request, and the caps and buffers hold
 * under concurrent requests. On PostgreSQL and Redis the requests are spread over two app instances
 * sharing the database and the hold store; on the embedded defaults over one.
 */
describeBackend('booking rules', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let instances: TestApp[];

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    const smtpUrl = await smtp.start();
    const count = backend.kind === 'services' ? 2 : 1;
    instances = [];
    for (let i = 0; i < count; i++) {
      instances.push(await startTestApp(backend.env, { env: { SMTP_URL: smtpUrl, MAX_PENDING_PER_CLIENT: String(MAX_PENDING) } }));
    }
  });

  afterAll(async () => {
    for (const instance of instances ?? []) await instance.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  const api = () => instances[0].api;

  /** Sets a provider's booking rules as its owner would: PATCH /api/providers/{id}. */
  async function setRules(providerId: number, rules: Partial<BookingRules>): Promise<void> {
    const body = {
      ...(rules.minimumNoticeMinutes !== undefined && { minimum_notice_minutes: rules.minimumNoticeMinutes }),
      ...(rules.bookingHorizonDays !== undefined && { booking_horizon_days: rules.bookingHorizonDays }),
      ...(rules.bufferMinutes !== undefined && { buffer_minutes: rules.bufferMinutes }),
      ...(rules.maxActivePerClient !== undefined && { max_active_per_client: rules.maxActivePerClient }),
    };
    if (Object.keys(body).length === 0) return;
    await expect(api().request('PATCH', `/api/providers/${providerId}`, body)).resolves.toMatchObject({ status: 200, body });
  }

  async function openProvider(rules: Partial<BookingRules>, days: Record<string, [string, string]>) {
    const provider = await createProvider(api(), { time_zone: ZONE });
    await setRules(provider.id, rules);
    for (const [date, [from, to]] of Object.entries(days)) await publish(api(), provider.id, date, from, to);
    return provider;
  }

  const ask = (providerId: number, clientId: number, date: string, slot: number, minutes = 15, instance = 0) =>
    instances[instance % instances.length].api.post('/api/client_schedule', {
      date,
      provider_id: providerId,
      client_id: clientId,
      requested_slot: slot,
      duration_minutes: minutes,
    });

  /** Every open slot of the day, as each instance lists it (they must agree). */
  async function listed(providerId: number, date: string): Promise<number[]> {
    const each = await Promise.all(instances.map((instance) => openIndexes(instance.api, providerId, date)));
    for (const other of each.slice(1)) expect(other).toEqual(each[0]);
    return each[0];
  }

  function expectProblem(response: ApiResponse, status: number, code: string): void {
    expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  }

  async function confirmByLink(email: string, appointmentId: number): Promise<void> {
    const mail = await smtp.waitFor(email, (m) => linkAppointmentId(m) === appointmentId);
    const token = new URL(validationLink(mail)).searchParams.get('token')!;
    await expect(instances[instances.length - 1].anonymous.post('/api/validate', { token })).resolves.toMatchObject({
      status: 200,
      body: { status: 'confirmed' },
    });
  }

  it('refuses a start sooner than the minimum notice with 422 TOO_SOON, and takes one past it', async () => {
    const soon = futureDate(1, ZONE);
    const later = futureDate(3, ZONE);
    // Two days' notice: every slot of tomorrow is too soon, none of the day after next is.
    const provider = await openProvider({ minimumNoticeMinutes: 2 * 1440 }, { [soon]: ['09:00', '17:00'], [later]: ['09:00', '17:00'] });
    const client = await createClient(api());

    expect(await listed(provider.id, soon)).toEqual([]);
    expectProblem(await ask(provider.id, client.id, soon, 64), 422, 'TOO_SOON');
    expect((await ask(provider.id, client.id, later, 36)).status).toBe(202);
  });

  it('refuses a date past the booking horizon with 422 TOO_FAR_AHEAD, and takes the horizon’s last day', async () => {
    const last = futureDate(10, ZONE);
    const past = futureDate(11, ZONE);
    const provider = await openProvider({ bookingHorizonDays: 10 }, { [last]: ['09:00', '10:00'], [past]: ['09:00', '10:00'] });
    const client = await createClient(api());

    expect(await listed(provider.id, past)).toEqual([]);
    expectProblem(await ask(provider.id, client.id, past, 36), 422, 'TOO_FAR_AHEAD');
    expect(await listed(provider.id, last)).toEqual([36, 37, 38, 39]);
    expect((await ask(provider.id, client.id, last, 36)).status).toBe(202);
  });

  it('keeps a buffer around a held and then a booked appointment: 10:30 refused with 409, 10:45 bookable', async () => {
    const date = futureDate(20, ZONE);
    const provider = await openProvider({ bufferMinutes: 15 }, { [date]: ['09:00', '12:00'] });
    const [first, second] = await Promise.all([createClient(api()), createClient(api())]);

    const held = await ask(provider.id, first.id, date, 40, 30); // 10:00–10:30
    expect(held.status).toBe(202);

    expect(await listed(provider.id, date)).toEqual([36, 37, 38, 43, 44, 45, 46, 47]);
    expectProblem(await ask(provider.id, second.id, date, 42), 409, 'SLOT_UNAVAILABLE'); // 10:30
    expectProblem(await ask(provider.id, second.id, date, 39), 409, 'SLOT_UNAVAILABLE'); // 09:45
    expectProblem(await ask(provider.id, second.id, date, 38, 30), 409, 'SLOT_UNAVAILABLE'); // 09:30–10:00
    await confirmByLink(first.email, held.body.appointment_id);
    // Booked, its buffer holds as the hold's did.
    expectProblem(await ask(provider.id, second.id, date, 42, 15, 1), 409, 'SLOT_UNAVAILABLE');
    const after = await ask(provider.id, second.id, date, 43); // 10:45
    expect(after).toMatchObject({ status: 202, body: { start_time: '10:45', end_time: '11:00' } });

    await expect(api().post(`/api/appointments/${held.body.appointment_id}/cancel`)).resolves.toMatchObject({ status: 200 });
    // 10:45 now keeps 10:30 in its own buffer; 10:15 and before are free again.
    expect(await listed(provider.id, date)).toEqual([36, 37, 38, 39, 40, 41, 45, 46, 47]);
  });

  it('keeps a buffer across midnight: a 23:45 booking refuses 00:00 and 00:15 of the next day', async () => {
    const evening = futureDate(25, ZONE);
    const morning = futureDate(26, ZONE);
    const provider = await openProvider({ bufferMinutes: 30 }, { [evening]: ['22:00', '24:00'], [morning]: ['00:00', '02:00'] });
    const [first, second] = await Promise.all([createClient(api()), createClient(api())]);
    expect(await listed(provider.id, morning)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    expect((await ask(provider.id, first.id, evening, 95)).status).toBe(202);

    expect(await listed(provider.id, morning)).toEqual([2, 3, 4, 5, 6, 7]);
    expectProblem(await ask(provider.id, second.id, morning, 0), 409, 'SLOT_UNAVAILABLE');
    expectProblem(await ask(provider.id, second.id, morning, 1, 15, 1), 409, 'SLOT_UNAVAILABLE');
    expect((await ask(provider.id, second.id, morning, 2)).status).toBe(202);
    expect(await listed(provider.id, evening)).toEqual([88, 89, 90, 91, 92]);
  });

  it('refuses a client at max_active_per_client with 409 LIMIT_REACHED, leaving the slot to others', async () => {
    const date = futureDate(30, ZONE);
    const provider = await openProvider({ maxActivePerClient: 2 }, { [date]: ['09:00', '11:00'] });
    const other = await openProvider({}, { [date]: ['09:00', '11:00'] });
    const [client, rival] = await Promise.all([createClient(api()), createClient(api())]);
    const first = await ask(provider.id, client.id, date, 36);
    expect(first.status).toBe(202);
    await confirmByLink(client.email, first.body.appointment_id);
    expect((await ask(provider.id, client.id, date, 37)).status).toBe(202);

    expectProblem(await ask(provider.id, client.id, date, 38), 409, 'LIMIT_REACHED');

    expect(await listed(provider.id, date)).toContain(38);
    expect((await ask(provider.id, rival.id, date, 38)).status).toBe(202);
    expect((await ask(other.id, client.id, date, 38)).status).toBe(202);
    // A cancellation gives the place back.
    await expect(api().post(`/api/appointments/${first.body.appointment_id}/cancel`)).resolves.toMatchObject({ status: 200 });
    expect((await ask(provider.id, client.id, date, 39)).status).toBe(202);
  });

  it(`refuses a client's ${MAX_PENDING + 1}th pending hold across providers with 409 LIMIT_REACHED; a confirmation frees a place`, async () => {
    const date = futureDate(32, ZONE);
    const providers = [await openProvider({}, { [date]: ['09:00', '11:00'] }), await openProvider({}, { [date]: ['09:00', '11:00'] })];
    const client = await createClient(api());
    const pending: number[] = [];
    for (let i = 0; i < MAX_PENDING; i++) {
      const held = await ask(providers[i % 2].id, client.id, date, 36 + i, 15, i);
      expect(held.status).toBe(202);
      pending.push(held.body.appointment_id);
    }

    expectProblem(await ask(providers[1].id, client.id, date, 41), 409, 'LIMIT_REACHED');
    expect(await listed(providers[1].id, date)).toContain(41);

    await confirmByLink(client.email, pending[0]);
    expect((await ask(providers[1].id, client.id, date, 41)).status).toBe(202);
  });

  it.each([
    { cap: 'max_active_per_client 3', rules: { maxActivePerClient: 3 }, winners: 3 },
    { cap: `MAX_PENDING_PER_CLIENT ${MAX_PENDING}`, rules: {}, winners: MAX_PENDING },
  ])('lets exactly as many of 20 concurrent requests by one client win as its cap ($cap)', async ({ rules, winners }) => {
    const date = futureDate(40, ZONE);
    const provider = await openProvider(rules, { [date]: ['09:00', '14:00'] });
    const client = await createClient(api());

    const request = (i: number) => ask(provider.id, client.id, date, 36 + i, 15, i);
    const answers = await askedAgainWhileUnavailable(await Promise.all(Array.from({ length: 20 }, (_, i) => request(i))), request);

    const won = answers.filter((answer) => answer.status === 202);
    expect(won).toHaveLength(winners);
    for (const answer of answers.filter((each) => each.status !== 202)) expectProblem(answer, 409, 'LIMIT_REACHED');
    // Every refused request let its slot go.
    expect(await listed(provider.id, date)).toHaveLength(20 - winners);
  });

  it('lets no two of 20 concurrent requests into each other’s buffers both win', async () => {
    const date = futureDate(45, ZONE);
    const provider = await openProvider({ bufferMinutes: 30 }, { [date]: ['09:00', '14:00'] });
    const clients = await Promise.all(Array.from({ length: 20 }, () => createClient(api())));

    // Slot 36 + i for client i: each start is 15 minutes from the next, well inside a 30-minute buffer.
    const request = (i: number) => ask(provider.id, clients[i].id, date, 36 + i, 15, i);
    const answers = await askedAgainWhileUnavailable(await Promise.all(clients.map((_, i) => request(i))), request);

    const won = answers.flatMap((answer, i) => (answer.status === 202 ? [36 + i] : []));
    expect(won.length).toBeGreaterThan(0);
    // A 15-minute appointment and the next keep 30 minutes between them: starts at least 3 slots apart.
    for (let i = 1; i < won.length; i++) expect(won[i] - won[i - 1]).toBeGreaterThanOrEqual(3);
    for (const answer of answers.filter((each) => each.status !== 202)) expectProblem(answer, 409, 'SLOT_UNAVAILABLE');
    // The listing offers exactly the slots a buffer away from every winner, and a request agrees with it.
    const open = Array.from({ length: 20 }, (_, i) => 36 + i).filter((slot) => won.every((winner) => Math.abs(slot - winner) >= 3));
    expect(await listed(provider.id, date)).toEqual(open);
    const latecomer = await createClient(api());
    const nextToWinner = won[0] + 1;
    expectProblem(await ask(provider.id, latecomer.id, date, nextToWinner), 409, 'SLOT_UNAVAILABLE');
    if (open.length > 0) expect((await ask(provider.id, latecomer.id, date, open[0])).status).toBe(202);
  });
});
