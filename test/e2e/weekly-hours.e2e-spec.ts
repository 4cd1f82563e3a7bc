import { DateTime } from 'luxon';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, openIndexes } from '../support/factories';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

type Window = { start_time: string; end_time: string };
type WeeklyWindow = Window & { weekday: number };

/** The ISO weekday (1 Monday … 7 Sunday) of a date, as the calendar has it. */
const weekdayOf = (date: string) => DateTime.fromISO(date, { zone: 'UTC' }).weekday;
const plusDays = (date: string, days: number) => DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
/** Slot indexes from `from` up to (not including) `to`. */
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
/** Every weekday with the same windows. */
const everyDay = (...windows: Window[]): WeeklyWindow[] =>
  range(1, 8).flatMap((weekday) => windows.map((window) => ({ weekday, ...window })));

/**
 * The next day, from the day after tomorrow on, when clocks in `zone` jump forward (its local midnight
 * and the next one are less than 24 hours apart).
 */
function nextSpringForward(zone: string): string {
  let day = DateTime.now().setZone(zone).startOf('day').plus({ days: 2 });
  for (let i = 0; i < 400; i++, day = day.plus({ days: 1 })) {
    if (day.plus({ days: 1 }).diff(day, 'hours').hours < 24) return day.toISODate()!;
  }
  throw new Error(`${zone} has no daylight saving`);
}

/** Weekly hours, date overrides and the seed's POST /api/schedule on top of them, as a provider and a client use them. */
describeBackend('weekly hours and date overrides', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    sut = await startTestApp(backend.env, { env: { SMTP_URL: await smtp.start() } });
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  async function putWeeklyHours(providerId: number, hours: WeeklyWindow[], key?: string) {
    const response = await sut.api.as(key ?? sut.api.key).request('PUT', `/api/providers/${providerId}/weekly_hours`, { hours });
    expect(response.status).toBe(200);
    return response.body as { provider_id: number; time_zone: string; hours: WeeklyWindow[] };
  }

  const putDate = (providerId: number, date: string, windows: Window[]) =>
    sut.api.request('PUT', `/api/providers/${providerId}/dates/${date}`, { windows });

  it('lists weekly hours on every date of their weekday and books them without any per-date post', async () => {
    const provider = await createProvider(sut.api, { time_zone: 'Europe/Paris' });
    const client = await createClient(sut.api);
    const date = futureDate(30, 'Europe/Paris');
    const weekday = weekdayOf(date);
    const asProvider = sut.anonymous.as(provider.api_key);

    const saved = await putWeeklyHours(
      provider.id,
      [
        { weekday, start_time: '14:00', end_time: '15:00' },
        { weekday, start_time: '09:00', end_time: '10:30' },
        { weekday, start_time: '10:30', end_time: '12:00' },
        { weekday: (weekday % 7) + 1, start_time: '08:00', end_time: '09:00' },
      ],
      provider.api_key,
    );
    const expected = [
      { weekday, start_time: '09:00', end_time: '12:00' },
      { weekday, start_time: '14:00', end_time: '15:00' },
      { weekday: (weekday % 7) + 1, start_time: '08:00', end_time: '09:00' },
    ].sort((a, b) => a.weekday - b.weekday || a.start_time.localeCompare(b.start_time));
    expect(saved).toEqual({ provider_id: provider.id, time_zone: 'Europe/Paris', hours: expected });
    await expect(asProvider.get(`/api/providers/${provider.id}/weekly_hours`)).resolves.toMatchObject({ status: 200, body: saved });

    // The same weekday every week; the next day has its own weekday's hours; two days on, none.
    const hours = [...range(36, 48), ...range(56, 60)];
    expect(await openIndexes(sut.api, provider.id, date)).toEqual(hours);
    expect(await openIndexes(sut.api, provider.id, plusDays(date, 7))).toEqual(hours);
    expect(await openIndexes(sut.api, provider.id, plusDays(date, 1))).toEqual(range(32, 36));
    expect(await openIndexes(sut.api, provider.id, plusDays(date, 2))).toEqual([]);
    await expect(asProvider.get(`/api/providers/${provider.id}/dates/${date}`)).resolves.toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });

    // A client asks for 10:00 for 30 minutes, and the emailed link books it.
    const requested = await sut.anonymous.as(client.api_key).post('/api/client_schedule', {
      date,
      provider_id: provider.id,
      client_id: client.id,
      requested_slot: 40,
      duration_minutes: 30,
    });
    expect(requested).toMatchObject({ status: 202, body: { status: 'pending', start_time: '10:00', end_time: '10:30' } });
    const appointmentId = requested.body.appointment_id as number;
    const mail = await smtp.waitFor(client.email, (m) => linkAppointmentId(m) === appointmentId);
    const page = await fetch(validationLink(mail));
    expect(page.status).toBe(200);
    const token = /name="token" value="([^"]+)"/.exec(await page.text())![1];
    await expect(sut.anonymous.post('/api/validate', { token })).resolves.toMatchObject({
      status: 200,
      body: { status: 'confirmed', appointment: { id: appointmentId } },
    });
    expect(await openIndexes(sut.api, provider.id, date)).toEqual(hours.filter((index) => index !== 40 && index !== 41));
    // Outside the hours: refused.
    await expect(
      sut.anonymous
        .as(client.api_key)
        .post('/api/client_schedule', { date, provider_id: provider.id, client_id: client.id, requested_slot: 52 }),
    ).resolves.toMatchObject({ status: 409, body: { code: 'SLOT_UNAVAILABLE' } });

    // Clearing the hours closes the dates, and leaves the booking as it was.
    await expect(putWeeklyHours(provider.id, [])).resolves.toEqual({ provider_id: provider.id, time_zone: 'Europe/Paris', hours: [] });
    expect(await openIndexes(sut.api, provider.id, plusDays(date, 14))).toEqual([]);
    await expect(sut.api.get(`/api/appointments/${appointmentId}`)).resolves.toMatchObject({
      status: 200,
      body: { status: 'confirmed', start_time: '10:00' },
    });
  });

  it('lets an override replace a date’s hours, take the day off, and a DELETE give the date its weekly hours back', async () => {
    const provider = await createProvider(sut.api);
    const date = futureDate(31);
    await putWeeklyHours(provider.id, everyDay({ start_time: '09:00', end_time: '17:00' }));
    const weekly = range(36, 68);

    const set = await putDate(provider.id, date, [
      { start_time: '11:00', end_time: '12:00' },
      { start_time: '10:00', end_time: '11:00' },
      { start_time: '15:00', end_time: '15:30' },
    ]);
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      provider_id: provider.id,
      date,
      time_zone: 'UTC',
      windows: [
        { start_time: '10:00', end_time: '12:00' },
        { start_time: '15:00', end_time: '15:30' },
      ],
    });
    expect(set.body.slots.map((slot: { index: number }) => slot.index)).toEqual([...range(40, 48), 60, 61]);
    expect(set.body.slots[0]).toEqual({
      index: 40,
      start_time: '10:00',
      end_time: '10:15',
      start: `${date}T10:00:00.000Z`,
      end: `${date}T10:15:00.000Z`,
    });
    await expect(sut.api.get(`/api/providers/${provider.id}/dates/${date}`)).resolves.toMatchObject({ status: 200, body: set.body });
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([...range(40, 48), 60, 61]);
    expect(await openIndexes(sut.api, provider.id, plusDays(date, 1))).toEqual(weekly);

    // The day off.
    const off = await putDate(provider.id, date, []);
    expect(off).toMatchObject({ status: 200, body: { windows: [], slots: [] } });
    await expect(sut.api.get(`/api/providers/${provider.id}/dates/${date}`)).resolves.toMatchObject({
      status: 200,
      body: { windows: [], slots: [] },
    });
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([]);

    // Back to the weekly hours; removing it again is no error.
    const removed = await sut.api.request('DELETE', `/api/providers/${provider.id}/dates/${date}`);
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect(await openIndexes(sut.api, provider.id, date)).toEqual(weekly);
    await expect(sut.api.get(`/api/providers/${provider.id}/dates/${date}`)).resolves.toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });
    await expect(sut.api.request('DELETE', `/api/providers/${provider.id}/dates/${date}`)).resolves.toMatchObject({ status: 204 });
  });

  it('keeps a date’s weekly hours when POST /api/schedule adds a window to it, and loses no window posted at once', async () => {
    const provider = await createProvider(sut.api);
    const [date, concurrentDate, laterDate] = [futureDate(32), futureDate(39), futureDate(46)];
    await putWeeklyHours(provider.id, everyDay({ start_time: '09:00', end_time: '12:00' }));

    const posted = await sut.api.post('/api/schedule', { date, start_time: '13:00', end_time: '14:00', provider_id: provider.id });
    expect(posted.status).toBe(201);
    expect(posted.body.slots.map((slot: { index: number }) => slot.index)).toEqual(range(52, 56));
    expect(posted.body.windows).toEqual([
      { start_time: '09:00', end_time: '12:00' },
      { start_time: '13:00', end_time: '14:00' },
    ]);
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([...range(36, 48), ...range(52, 56)]);
    // The date now has hours of its own.
    await expect(sut.api.get(`/api/providers/${provider.id}/dates/${date}`)).resolves.toMatchObject({
      status: 200,
      body: { windows: posted.body.windows },
    });

    // Eight windows posted at once to a date still on its weekly hours: every one is kept, and the weekly hours too.
    const starts = ['13:00', '14:00', '15:00', '16:00', '17:00', '18:00', '19:00', '20:00'];
    const answers = await Promise.all(
      starts.map((start) =>
        sut.api.post('/api/schedule', {
          date: concurrentDate,
          start_time: start,
          end_time: start.replace(':00', ':30'),
          provider_id: provider.id,
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(starts.map(() => 201));
    const override = await sut.api.get(`/api/providers/${provider.id}/dates/${concurrentDate}`);
    expect(override.body.windows).toEqual([
      { start_time: '09:00', end_time: '12:00' },
      ...starts.map((start) => ({ start_time: start, end_time: start.replace(':00', ':30') })),
    ]);

    // New weekly hours reach the dates without hours of their own, not those with.
    await putWeeklyHours(provider.id, everyDay({ start_time: '08:00', end_time: '09:00' }));
    expect(await openIndexes(sut.api, provider.id, laterDate)).toEqual(range(32, 36));
    await expect(sut.api.get(`/api/providers/${provider.id}/dates/${date}`)).resolves.toMatchObject({
      body: { windows: posted.body.windows },
    });
  });

  it('replaces the weekly hours whole when several replacements race: one of them stands whole, never a mix', async () => {
    const provider = await createProvider(sut.api);
    const lists = range(8, 16).map((hour) =>
      everyDay({ start_time: `${hour}:00`.padStart(5, '0'), end_time: `${hour + 1}:00`.padStart(5, '0') }),
    );
    const answers = await Promise.all(
      lists.map((hours) => sut.api.request('PUT', `/api/providers/${provider.id}/weekly_hours`, { hours })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(lists.map(() => 200));
    const stored = (await sut.api.get(`/api/providers/${provider.id}/weekly_hours`)).body.hours as WeeklyWindow[];
    expect(answers.map((answer) => answer.body.hours)).toContainEqual(stored);
    expect(stored).toHaveLength(7);
  });

  it('reads back the booking rules a PATCH sets, with the name, email and phone, all or nothing', async () => {
    const provider = await createProvider(sut.api, { phone: '+14155550123' });
    const other = await createProvider(sut.api);
    const asProvider = sut.anonymous.as(provider.api_key);
    expect(provider).toMatchObject({
      minimum_notice_minutes: 0,
      booking_horizon_days: 365,
      buffer_minutes: 0,
      max_active_per_client: null,
    });

    const patched = await asProvider.request('PATCH', `/api/providers/${provider.id}`, {
      name: '  Dr. Renamed  ',
      email: 'Renamed-' + provider.email,
      minimum_notice_minutes: 120,
      booking_horizon_days: 60,
      buffer_minutes: 15,
      max_active_per_client: 3,
    });
    const rules = { minimum_notice_minutes: 120, booking_horizon_days: 60, buffer_minutes: 15, max_active_per_client: 3 };
    expect(patched).toMatchObject({
      status: 200,
      body: { id: provider.id, name: 'Dr. Renamed', email: `renamed-${provider.email}`, phone: '+14155550123', ...rules },
    });
    await expect(asProvider.get(`/api/providers/${provider.id}`)).resolves.toMatchObject({ status: 200, body: patched.body });
    const listed = await sut.api.get('/api/providers?limit=100');
    expect(listed.body.items.find((item: { id: number }) => item.id === provider.id)).toEqual(patched.body);

    // Only what is given changes; null lifts the cap and removes the phone.
    const lifted = await sut.api.request('PATCH', `/api/providers/${provider.id}`, { max_active_per_client: null, phone: null });
    expect(lifted).toMatchObject({ status: 200, body: { ...rules, max_active_per_client: null, phone: null, name: 'Dr. Renamed' } });
    await expect(sut.api.request('PATCH', `/api/providers/${provider.id}`, {})).resolves.toMatchObject({ status: 200, body: lifted.body });

    // Another provider's email: nothing of the body is written.
    const taken = await sut.api.request('PATCH', `/api/providers/${provider.id}`, {
      email: other.email,
      name: 'Not Written',
      buffer_minutes: 30,
    });
    expect(taken).toMatchObject({ status: 409, body: { code: 'EMAIL_TAKEN' } });
    // Several bad fields: each is named, and nothing is written either.
    const invalid = await sut.api.request('PATCH', `/api/providers/${provider.id}`, {
      name: 'Not Written',
      buffer_minutes: 10,
      booking_horizon_days: 0,
      minimum_notice_minutes: 43_201,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'booking_horizon_days',
      'buffer_minutes',
      'minimum_notice_minutes',
    ]);
    await expect(sut.api.get(`/api/providers/${provider.id}`)).resolves.toMatchObject({ body: lifted.body });
  });

  it.each([
    ['Europe/Paris', nextSpringForward('Europe/Paris')],
    ['America/New_York', nextSpringForward('America/New_York')],
  ])('opens only the real slots of a day when clocks jump forward in %s (%s)', async (zone, date) => {
    const provider = await createProvider(sut.api, { time_zone: zone });
    // The day may be months ahead.
    await sut.api.request('PATCH', `/api/providers/${provider.id}`, { booking_horizon_days: 730 });
    await putWeeklyHours(provider.id, [{ weekday: weekdayOf(date), start_time: '01:00', end_time: '04:00' }]);

    // 02:00 to 02:45 do not exist that day: 01:45 is followed by 03:00.
    const real = [4, 5, 6, 7, 12, 13, 14, 15];
    expect(await openIndexes(sut.api, provider.id, date)).toEqual(real);
    expect(await openIndexes(sut.api, provider.id, date, 30)).toEqual([4, 5, 6, 7, 12, 13, 14]);
    const listed = await sut.anonymous.get(`/api/schedule?provider_id=${provider.id}&date=${date}`);
    const [quarterToTwo, three] = [listed.body.slots[3], listed.body.slots[4]];
    expect(quarterToTwo).toMatchObject({ index: 7, start_time: '01:45', end_time: '03:00' });
    expect(three).toMatchObject({ index: 12, start_time: '03:00', end_time: '03:15', start: quarterToTwo.end });

    // An override keeps its windows as written and lists the real slots.
    const set = await putDate(provider.id, date, [{ start_time: '01:30', end_time: '03:30' }]);
    expect(set).toMatchObject({ status: 200, body: { windows: [{ start_time: '01:30', end_time: '03:30' }] } });
    expect(set.body.slots.map((slot: { index: number }) => slot.index)).toEqual([6, 7, 12, 13]);
    await expect(sut.api.get(`/api/providers/${provider.id}/dates/${date}`)).resolves.toMatchObject({ body: set.body });
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([6, 7, 12, 13]);
  });
});
