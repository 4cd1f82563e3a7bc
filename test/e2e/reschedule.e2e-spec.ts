import { DateTime } from 'luxon';
import { ParsedMail } from 'mailparser';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, openIndexes, publish } from '../support/factories';
import { outboxRowsOf, outboxRowsWhen } from '../support/outbox-rows';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { TestClock } from '../support/test-clock';
import { startTestApp, TestApp } from '../support/test-app';

const ZONE = 'Europe/Paris';
/** The day the spec's clock stands on (07:00 in Paris), and the next one, where most appointments are. */
const TODAY = futureDate(20, ZONE);
const DAY = DateTime.fromISO(TODAY).plus({ days: 1 }).toISODate()!;
const at = (time: string, date = DAY) => DateTime.fromISO(`${date}T${time}`, { zone: ZONE }).toMillis();
const MINUTE = 60_000;
/** Slot indexes in Paris wall-clock time. */
const SLOT = { '08:00': 32, '10:00': 40, '11:00': 44, '12:00': 48, '14:00': 56, '15:00': 60 } as const;
/** The hours every provider of the spec publishes on TODAY and DAY: 08:00–18:00, slots 32 to 71. */
const HOURS = Array.from({ length: 40 }, (_, i) => 32 + i);
/** A slot's wall-clock start, `HH:mm`, and back. */
const timeOf = (slot: number) => `${String(Math.floor(slot / 4)).padStart(2, '0')}:${String((slot % 4) * 15).padStart(2, '0')}`;
const slotOf = (time: string) => Number(time.slice(0, 2)) * 4 + Number(time.slice(3)) / 15;

type Person = { id: number; email: string; api_key: string };

/** The unfolded properties of the calendar file a mail carries. */
function calendarOf(mail: ParsedMail): Record<string, string> {
  const attachment = mail.attachments.find((file) => file.filename === 'appointment.ics');
  if (!attachment) throw new Error(`No calendar file in "${mail.subject}"`);
  const lines = attachment.content
    .toString('utf8')
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n');
  return Object.fromEntries(lines.filter(Boolean).map((line) => [/^[A-Z-]+/.exec(line)![0], line.slice(line.indexOf(':') + 1)]));
}

const withSubject = (start: string) => (mail: ParsedMail) => (mail.subject ?? '').startsWith(start);
const aboutAppointment = (id: number) => (mail: ParsedMail) =>
  mail.attachments.some((file) => file.content.toString('utf8').includes(`UID:appointment-${id}@scheduler`));

/**
 * Reschedule and cancellation as clients, providers and their mail see them, on a clock standing at
 * 07:00 in Paris on TODAY. On PostgreSQL and Redis the requests are spread over two app instances
 * sharing the database and the hold store.
 */
describeBackend('reschedule and cancellation', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  const clock = new TestClock(at('07:00', TODAY));
  const instances: TestApp[] = [];
  let sut: TestApp;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    const smtpUrl = await smtp.start();
    const count = backend.kind === 'services' ? 2 : 1;
    for (let i = 0; i < count; i++) instances.push(await startTestApp(backend.env, { clock, env: { SMTP_URL: smtpUrl } }));
    sut = instances[0];
  });

  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  const as = (person: { api_key: string }, instance = sut) => instance.anonymous.as(person.api_key);

  async function newProvider() {
    const provider = await createProvider(sut.api, { time_zone: ZONE });
    await publish(sut.api, provider.id, TODAY, '08:00', '18:00');
    await publish(sut.api, provider.id, DAY, '08:00', '18:00');
    return provider;
  }

  /** A confirmed appointment, booked as a person would: the request, the emailed link, the button. */
  async function book(provider: { id: number }, client: Person, slot: number, minutes = 15, date = DAY) {
    const requested = await as(client).post('/api/client_schedule', {
      date,
      provider_id: provider.id,
      client_id: client.id,
      requested_slot: slot,
      duration_minutes: minutes,
    });
    expect(requested.status).toBe(202);
    const id = requested.body.appointment_id as number;
    const token = new URL(validationLink(await smtp.waitFor(client.email, (mail) => linkAppointmentId(mail) === id))).searchParams.get(
      'token',
    )!;
    await expect(sut.anonymous.post('/api/validate', { token })).resolves.toMatchObject({ status: 200, body: { status: 'confirmed' } });
    return { id, token };
  }

  const reschedule = (caller: { api_key: string }, id: number, body: Record<string, unknown>, instance = sut) =>
    as(caller, instance).post(`/api/appointments/${id}/reschedule`, body);
  const read = async (id: number) => (await sut.api.get(`/api/appointments/${id}`)).body;
  /** The provider's messages once every one already due has gone: what a change must (or must not) add to. */
  const settledOutbox = (providerId: number) =>
    outboxRowsWhen(sut.app, providerId, (rows) => rows.every((row) => row.status !== 'queued' || row.due_at > clock.nowMs())).then((rows) =>
      rows.map(({ id, kind, channel, appointment_id, status, due_at, recipient }) => ({
        id,
        kind,
        channel,
        appointment_id,
        status,
        due_at,
        recipient,
      })),
    );

  it('moves a confirmed appointment: the old slots open, the new ones taken, an .ics with the same UID and a higher SEQUENCE', async () => {
    const provider = await newProvider();
    const client = await createClient(sut.api);
    const { id } = await book(provider, client, SLOT['10:00'], 30);
    const confirmation = await smtp.waitFor(client.email, withSubject('Appointment confirmed'));

    const moved = await reschedule(client, id, { date: DAY, requested_slot: SLOT['14:00'] });

    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      id,
      status: 'confirmed',
      date: DAY,
      start_time: '14:00',
      end_time: '14:30',
      start: new Date(at('14:00')).toISOString(),
      duration_minutes: 30,
      rescheduled_at: new Date(clock.nowMs()).toISOString(),
    });
    await expect(as(provider).get(`/api/appointments/${id}`)).resolves.toMatchObject({ status: 200, body: moved.body });
    const open = await openIndexes(sut.api, provider.id, DAY);
    expect(open).toEqual(expect.arrayContaining([SLOT['10:00'], SLOT['10:00'] + 1]));
    expect(open).not.toContain(SLOT['14:00']);
    expect(open).not.toContain(SLOT['14:00'] + 1);

    const mail = await smtp.waitFor(client.email, withSubject('Appointment moved'));
    expect(mail.text).toContain(`${DAY} from 14:00 to 14:30 (${ZONE})`);
    expect(mail.text).toContain(`${DAY} from 10:00 to 10:30`);
    const [before, after] = [calendarOf(confirmation), calendarOf(mail)];
    expect(after.UID).toBe(`appointment-${id}@scheduler`);
    expect(after.UID).toBe(before.UID);
    expect(Number(after.SEQUENCE)).toBeGreaterThan(Number(before.SEQUENCE));
    expect(after).toMatchObject({
      METHOD: 'REQUEST',
      STATUS: 'CONFIRMED',
      DTSTART: moved.body.start.replace(/[-:]/g, '').replace('.000', ''),
    });

    // Another client may take the old time at once.
    const rival = await createClient(sut.api);
    await expect(
      as(rival).post('/api/client_schedule', {
        date: DAY,
        provider_id: provider.id,
        client_id: rival.id,
        requested_slot: SLOT['10:00'],
        duration_minutes: 30,
      }),
    ).resolves.toMatchObject({ status: 202 });
  });

  it('plans the reminders for the new time and drops those of the old one', async () => {
    const provider = await newProvider();
    const client = await createClient(sut.api, { phone: '+33612345678' });
    const { id } = await book(provider, client, SLOT['10:00']);
    const reminders = async () =>
      (await outboxRowsOf(sut.app, provider.id))
        .filter((row) => row.appointment_id === id && row.kind === 'reminder')
        .map((row) => ({ channel: row.channel, due_at: row.due_at, send_before: row.send_before, status: row.status }))
        .sort((a, b) => a.due_at - b.due_at || a.channel.localeCompare(b.channel));
    const planned = (start: number) =>
      [1440, 60].flatMap((lead) =>
        ['email', 'sms'].map((channel) => ({ channel, due_at: start - lead * MINUTE, send_before: start, status: 'queued' })),
      );
    expect(await reminders()).toEqual(planned(at('10:00')));

    await expect(reschedule(provider, id, { date: DAY, requested_slot: SLOT['15:00'] })).resolves.toMatchObject({ status: 200 });

    expect(await reminders()).toEqual(planned(at('15:00')));
  });

  it.each(['booked', 'held'] as const)(
    'refuses a reschedule onto a %s slot with 409 and changes nothing: appointment, slots, outbox',
    async (how) => {
      const provider = await newProvider();
      const [client, rival] = [await createClient(sut.api), await createClient(sut.api)];
      const { id } = await book(provider, client, SLOT['10:00'], 30);
      if (how === 'booked') await book(provider, rival, SLOT['12:00'] + 1);
      else
        await expect(
          as(rival).post('/api/client_schedule', {
            date: DAY,
            provider_id: provider.id,
            client_id: rival.id,
            requested_slot: SLOT['12:00'] + 1,
          }),
        ).resolves.toMatchObject({ status: 202 });
      const before = {
        appointment: await read(id),
        open: await openIndexes(sut.api, provider.id, DAY),
        outbox: await settledOutbox(provider.id),
      };

      const refused = await reschedule(client, id, { date: DAY, requested_slot: SLOT['12:00'] });

      expect(refused.status).toBe(409);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.code).toBe('SLOT_UNAVAILABLE');
      const after = {
        appointment: await read(id),
        open: await openIndexes(sut.api, provider.id, DAY),
        outbox: await settledOutbox(provider.id),
      };
      expect(after).toEqual(before);
      expect(after.open).not.toContain(SLOT['10:00']);
    },
  );

  it('lets exactly one of 20 reschedules of 20 appointments onto one slot win; the 19 others get a clean 409 and keep their times', async () => {
    const provider = await newProvider();
    const clients = await Promise.all(Array.from({ length: 20 }, () => createClient(sut.api)));
    const booked = await Promise.all(clients.map((client, i) => book(provider, client, SLOT['08:00'] + i)));

    const answers = await Promise.all(
      booked.map(({ id }, i) => reschedule(clients[i], id, { date: DAY, requested_slot: SLOT['15:00'] }, instances[i % instances.length])),
    );

    const winners = answers.flatMap((answer, i) => (answer.status === 200 ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 200)) {
      expect(answer.status).toBe(409);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.code).toBe('SLOT_UNAVAILABLE');
    }
    const [winner] = winners;
    expect(answers[winner].body).toMatchObject({ id: booked[winner].id, start_time: '15:00' });
    for (const [i, { id }] of booked.entries()) {
      if (i !== winner) await expect(read(id)).resolves.toMatchObject({ status: 'confirmed', start_time: timeOf(SLOT['08:00'] + i) });
    }
    // Taken: the 19 losers' slots and the winner's new one; its old one is open again.
    const taken = [...booked.map((_, i) => SLOT['08:00'] + i).filter((_, i) => i !== winner), SLOT['15:00']];
    expect(await openIndexes(sut.api, provider.id, DAY)).toEqual(HOURS.filter((slot) => !taken.includes(slot)));
  });

  it('never leaves two slots taken when the same appointment is rescheduled twice at once', async () => {
    const provider = await newProvider();
    const client = await createClient(sut.api);
    const { id } = await book(provider, client, SLOT['10:00']);
    const rounds: [number, number][] = [
      [SLOT['11:00'], SLOT['12:00']],
      [SLOT['14:00'], SLOT['14:00'] + 1],
      [SLOT['15:00'], SLOT['08:00']],
      [SLOT['10:00'], SLOT['10:00'] + 1],
    ];
    for (const [first, second] of rounds) {
      const answers = await Promise.all([
        reschedule(client, id, { date: DAY, requested_slot: first }, instances[0]),
        reschedule(provider, id, { date: DAY, requested_slot: second }, instances[instances.length - 1]),
      ]);

      expect(answers.some((answer) => answer.status === 200)).toBe(true);
      for (const answer of answers.filter((a) => a.status !== 200)) {
        expect(answer.status).toBe(409);
        expect(['NOT_RESCHEDULABLE', 'SLOT_UNAVAILABLE']).toContain(answer.body.code);
      }
      const now = await read(id);
      expect(now.status).toBe('confirmed');
      const taken = slotOf(now.start_time);
      expect([first, second]).toContain(taken);
      expect(await openIndexes(sut.api, provider.id, DAY)).toEqual(HOURS.filter((slot) => slot !== taken));
    }
  });

  it('leaves the validation link mailed before spent: pressed after a reschedule it books nothing and holds nothing', async () => {
    const provider = await newProvider();
    const client = await createClient(sut.api);
    const { id, token } = await book(provider, client, SLOT['10:00']);
    await expect(reschedule(client, id, { date: DAY, requested_slot: SLOT['12:00'] })).resolves.toMatchObject({ status: 200 });
    const moved = await read(id);

    const page = await fetch(`${sut.url}/api/validate?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(409);
    await expect(sut.anonymous.post('/api/validate', { token })).resolves.toMatchObject({
      status: 409,
      body: { code: 'ALREADY_CONFIRMED', appointment: { id, start_time: '12:00' } },
    });

    expect(await read(id)).toEqual(moved);
    expect(await openIndexes(sut.api, provider.id, DAY)).toEqual(HOURS.filter((slot) => slot !== SLOT['12:00']));
    const rival = await createClient(sut.api);
    await expect(
      as(rival).post('/api/client_schedule', { date: DAY, provider_id: provider.id, client_id: rival.id, requested_slot: SLOT['10:00'] }),
    ).resolves.toMatchObject({ status: 202 });
  });

  it.each([
    { who: 'its provider', cancels: 'provider' as const, told: 'client' as const, reason: 'The clinic is closed that day' },
    { who: 'its client', cancels: 'client' as const, told: 'provider' as const, reason: 'I am ill.\nSorry!' },
  ])('a cancellation by $who with a reason tells the $told, with a METHOD:CANCEL calendar file', async ({ cancels, told, reason }) => {
    const provider = await newProvider();
    const client = await createClient(sut.api);
    const { id } = await book(provider, client, SLOT['10:00']);
    const people = { provider, client };

    const cancelled = await as(people[cancels]).post(`/api/appointments/${id}/cancel`, { reason });

    expect(cancelled).toMatchObject({ status: 200, body: { id, status: 'cancelled', cancellation_reason: reason } });
    const notice = await smtp.waitFor(people[told].email, withSubject('Appointment cancelled'));
    expect(notice.text).toContain(`Reason given: ${reason}`);
    expect(calendarOf(notice)).toMatchObject({ METHOD: 'CANCEL', STATUS: 'CANCELLED', UID: `appointment-${id}@scheduler`, SEQUENCE: '1' });
    expect(aboutAppointment(id)(notice)).toBe(true);
    if (cancels === 'client') {
      // The client cancelled a confirmed appointment: its own calendar gets the cancelling file too.
      const copy = await smtp.waitFor(client.email, withSubject('Appointment cancelled'));
      expect(calendarOf(copy)).toMatchObject({ METHOD: 'CANCEL', UID: `appointment-${id}@scheduler`, SEQUENCE: '1' });
    } else {
      expect(smtp.to(provider.email).filter(withSubject('Appointment cancelled'))).toEqual([]);
    }
    expect(await openIndexes(sut.api, provider.id, DAY)).toEqual(HOURS);
  });

  it.each([
    {
      state: 'pending',
      make: async (provider: { id: number }, client: Person) => {
        const requested = await as(client).post('/api/client_schedule', {
          date: DAY,
          provider_id: provider.id,
          client_id: client.id,
          requested_slot: SLOT['10:00'],
        });
        return requested.body.appointment_id as number;
      },
    },
    {
      state: 'cancelled',
      make: async (provider: { id: number }, client: Person) => {
        const { id } = await book(provider, client, SLOT['10:00']);
        await expect(as(client).post(`/api/appointments/${id}/cancel`)).resolves.toMatchObject({ status: 200 });
        return id;
      },
    },
    {
      state: 'checked in to the queue',
      make: async (provider: { id: number }, client: Person) => {
        const { id } = await book(provider, client, SLOT['10:00'], 15, TODAY);
        await expect(as(client).post('/api/queue/check_in', { appointment_id: id })).resolves.toMatchObject({ status: 201 });
        return id;
      },
    },
  ])('refuses to move an appointment $state: 409 NOT_RESCHEDULABLE, nothing changed', async ({ make }) => {
    const provider = await newProvider();
    const client = await createClient(sut.api);
    const id = await make(provider, client);
    const before = { appointment: await read(id), open: await openIndexes(sut.api, provider.id, DAY) };

    const refused = await reschedule(client, id, { date: DAY, requested_slot: SLOT['14:00'] });

    expect(refused).toMatchObject({ status: 409, body: { code: 'NOT_RESCHEDULABLE' } });
    expect({ appointment: await read(id), open: await openIndexes(sut.api, provider.id, DAY) }).toEqual(before);
  });

  it('refuses a reason over 500 characters with 400 naming reason, and cancels nothing', async () => {
    const provider = await newProvider();
    const client = await createClient(sut.api);
    const { id } = await book(provider, client, SLOT['10:00']);

    const refused = await as(client).post(`/api/appointments/${id}/cancel`, { reason: 'r'.repeat(501) });

    expect(refused).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', errors: [{ field: 'reason' }] } });
    await expect(read(id)).resolves.toMatchObject({ status: 'confirmed' });
    await expect(as(client).post(`/api/appointments/${id}/cancel`, { reason: 'r'.repeat(500) })).resolves.toMatchObject({
      status: 200,
      body: { status: 'cancelled', cancellation_reason: 'r'.repeat(500) },
    });
  });
});
