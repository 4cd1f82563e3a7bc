import { ADMIN, Caller } from '../access/caller';
import { client, HARNESS_TODAY, provider, ServiceHarness } from '../../test/support/service-harness';
import { HoursService } from './hours.service';

/** Monday, Tuesday and Sunday of the harness's first week (its today is Monday 2030-03-04, in Paris). */
const MONDAY = HARNESS_TODAY;
const TUESDAY = '2030-03-05';
const NEXT_MONDAY = '2030-03-11';
/** Clocks in Paris jump from 02:00 to 03:00 that Sunday. */
const SPRING_FORWARD_SUNDAY = '2030-03-31';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe(HoursService.name, () => {
  let harness: ServiceHarness;
  let sut: HoursService;
  let providerId: number;

  beforeEach(async () => {
    harness = await ServiceHarness.create();
    sut = harness.hours;
    providerId = await harness.addProvider();
  });

  afterEach(() => harness.close());

  const hoursOf = async (date: string) => [...(await harness.schedule.providerDay(providerId, date)).hours].sort((a, b) => a - b);

  it('opens each date on its weekday’s weekly hours, merged, and tells that the hours changed', async () => {
    const saved = await sut.replaceWeeklyHours(
      providerId,
      {
        hours: [
          { weekday: 1, start_time: '10:00', end_time: '11:00' },
          { weekday: 1, start_time: '09:00', end_time: '10:00' },
          { weekday: 2, start_time: '14:00', end_time: '14:30' },
        ],
      },
      provider(providerId),
    );

    expect(saved).toEqual({
      provider_id: providerId,
      time_zone: 'Europe/Paris',
      hours: [
        { weekday: 1, start_time: '09:00', end_time: '11:00' },
        { weekday: 2, start_time: '14:00', end_time: '14:30' },
      ],
    });
    await expect(sut.weeklyHours(providerId, ADMIN)).resolves.toEqual(saved);
    expect(harness.emitted('schedule.hours_changed')).toEqual([{ providerId }]);
    await expect(hoursOf(MONDAY)).resolves.toEqual(range(36, 44));
    await expect(hoursOf(NEXT_MONDAY)).resolves.toEqual(range(36, 44));
    await expect(hoursOf(TUESDAY)).resolves.toEqual([56, 57]);
    await expect(hoursOf('2030-03-06')).resolves.toEqual([]);
  });

  it('leaves out the wall times a daylight-saving jump skips', async () => {
    await sut.replaceWeeklyHours(providerId, { hours: [{ weekday: 7, start_time: '01:00', end_time: '04:00' }] }, ADMIN);
    await expect(hoursOf(SPRING_FORWARD_SUNDAY)).resolves.toEqual([4, 5, 6, 7, 12, 13, 14, 15]);
  });

  it('lets an override replace a date’s hours or take the day off, and its removal give the weekly hours back', async () => {
    await sut.replaceWeeklyHours(providerId, { hours: [{ weekday: 1, start_time: '09:00', end_time: '17:00' }] }, ADMIN);
    await expect(sut.dateOverride(providerId, NEXT_MONDAY, ADMIN)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const set = await sut.replaceDateOverride(providerId, NEXT_MONDAY, { windows: [{ start_time: '12:00', end_time: '13:00' }] }, ADMIN);
    expect(set).toMatchObject({ date: NEXT_MONDAY, windows: [{ start_time: '12:00', end_time: '13:00' }] });
    expect(set.slots.map((slot) => slot.index)).toEqual(range(48, 52));
    await expect(hoursOf(NEXT_MONDAY)).resolves.toEqual(range(48, 52));
    await expect(hoursOf(MONDAY)).resolves.toEqual(range(36, 68));

    await sut.replaceDateOverride(providerId, NEXT_MONDAY, { windows: [] }, ADMIN);
    await expect(hoursOf(NEXT_MONDAY)).resolves.toEqual([]);
    await expect(sut.dateOverride(providerId, NEXT_MONDAY, ADMIN)).resolves.toMatchObject({ windows: [], slots: [] });

    await sut.removeDateOverride(providerId, NEXT_MONDAY, ADMIN);
    await expect(hoursOf(NEXT_MONDAY)).resolves.toEqual(range(36, 68));
    expect(harness.emitted('schedule.published')).toEqual([
      { providerId, date: NEXT_MONDAY },
      { providerId, date: NEXT_MONDAY },
      { providerId, date: NEXT_MONDAY },
    ]);
  });

  it('refuses an override of a day before the provider’s today and writes nothing', async () => {
    await expect(sut.replaceDateOverride(providerId, '2030-03-03', { windows: [] }, ADMIN)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      extra: { errors: [{ field: 'date', message: expect.stringContaining('2030-03-04, Europe/Paris') }] },
    });
    await expect(sut.dateOverride(providerId, '2030-03-03', ADMIN)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(harness.emitted('schedule.published')).toEqual([]);
  });

  it('names every window that ends before it starts, and writes none of the list', async () => {
    await sut.replaceWeeklyHours(providerId, { hours: [{ weekday: 1, start_time: '09:00', end_time: '10:00' }] }, ADMIN);
    const refused = sut.replaceWeeklyHours(
      providerId,
      {
        hours: [
          { weekday: 2, start_time: '09:00', end_time: '10:00' },
          { weekday: 3, start_time: '11:00', end_time: '10:00' },
          { weekday: 4, start_time: '11:00', end_time: '11:00' },
        ],
      },
      ADMIN,
    );
    await expect(refused).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      extra: { errors: [{ field: 'hours.1.end_time' }, { field: 'hours.2.end_time' }] },
    });
    await expect(sut.weeklyHours(providerId, ADMIN)).resolves.toMatchObject({ hours: [{ weekday: 1, start_time: '09:00' }] });
  });

  it.each<[string, Caller | ((own: number) => Caller)]>([
    ['another provider', (own) => provider(own + 1)],
    ['a client', client(1)],
  ])('answers %s as if the provider did not exist', async (_name, who) => {
    const caller = typeof who === 'function' ? who(providerId) : who;
    const notFound = { code: 'PROVIDER_NOT_FOUND' };
    await expect(sut.weeklyHours(providerId, caller)).rejects.toMatchObject(notFound);
    await expect(sut.replaceWeeklyHours(providerId, { hours: [] }, caller)).rejects.toMatchObject(notFound);
    await expect(sut.dateOverride(providerId, MONDAY, caller)).rejects.toMatchObject(notFound);
    await expect(sut.replaceDateOverride(providerId, MONDAY, { windows: [] }, caller)).rejects.toMatchObject(notFound);
    await expect(sut.removeDateOverride(providerId, MONDAY, caller)).rejects.toMatchObject(notFound);
    expect(harness.events.filter((event) => event.name.startsWith('schedule.'))).toEqual([]);
  });

  it('keeps the weekly hours of a date that POST /api/schedule adds a window to, and later weekly changes leave it alone', async () => {
    await sut.replaceWeeklyHours(providerId, { hours: [{ weekday: 1, start_time: '09:00', end_time: '10:00' }] }, ADMIN);
    await harness.publish(providerId, NEXT_MONDAY, '10:00', '10:30');
    await expect(hoursOf(NEXT_MONDAY)).resolves.toEqual(range(36, 42));
    await expect(sut.dateOverride(providerId, NEXT_MONDAY, ADMIN)).resolves.toMatchObject({
      windows: [{ start_time: '09:00', end_time: '10:30' }],
    });

    await sut.replaceWeeklyHours(providerId, { hours: [{ weekday: 1, start_time: '14:00', end_time: '15:00' }] }, ADMIN);
    await expect(hoursOf(NEXT_MONDAY)).resolves.toEqual(range(36, 42));
    await expect(hoursOf('2030-03-18')).resolves.toEqual(range(56, 60));
  });

  it('tells a change of the booking rules as a change of hours, and a change of the name alone as nothing', async () => {
    await harness.providers.update(providerId, { name: 'Renamed' }, ADMIN);
    expect(harness.emitted('schedule.hours_changed')).toEqual([]);
    const changed = await harness.providers.update(providerId, { buffer_minutes: 15, max_active_per_client: null }, provider(providerId));
    expect(changed).toMatchObject({ name: 'Renamed', buffer_minutes: 15, max_active_per_client: null, booking_horizon_days: 365 });
    expect(harness.emitted('schedule.hours_changed')).toEqual([{ providerId }]);
    await expect(harness.schedule.providerDay(providerId, MONDAY)).resolves.toMatchObject({
      provider: { rules: { bufferMinutes: 15, maxActivePerClient: null } },
    });
  });

  it('refuses another provider’s email and writes nothing of the change', async () => {
    const otherId = await harness.addProvider();
    const other = await harness.providers.get(otherId);
    await expect(harness.providers.update(providerId, { email: other.email, buffer_minutes: 30 }, ADMIN)).rejects.toMatchObject({
      code: 'EMAIL_TAKEN',
    });
    await expect(harness.providers.get(providerId)).resolves.toMatchObject({ rules: { bufferMinutes: 0 } });
    expect(harness.emitted('schedule.hours_changed')).toEqual([]);
  });
});
