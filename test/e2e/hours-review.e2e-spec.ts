import { DateTime } from 'luxon';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createProvider, futureDate, openIndexes } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/*
 * Review of weekly hours, date overrides and PATCH provider (found failing on main at 56f68b0): the
 * listing after a weekly-hours change.
 */

/** The ISO weekday (1 Monday … 7 Sunday) of a date, as the calendar has it. */
const weekdayOf = (date: string) => DateTime.fromISO(date, { zone: 'UTC' }).weekday;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describeBackend('weekly hours and overrides under review', () => {
  let backend: TestBackend;
  let sut: TestApp;

  beforeAll(async () => {
    backend = await createBackend();
    sut = await startTestApp(backend.env);
  });

  afterAll(async () => {
    await sut?.close();
    await backend?.dispose();
  });

  // Proves the listing cache is not dropped on schedule.hours_changed: "a change made through one server process shows in that process's next listing".
  it('shows a weekly-hours change in the very next listing of a date already listed, opening and closing', async () => {
    const provider = await createProvider(sut.api);
    const date = futureDate(50);
    const weeklyHours = `/api/providers/${provider.id}/weekly_hours`;
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([]);

    const opened = await sut.api.request('PUT', weeklyHours, {
      hours: [{ weekday: weekdayOf(date), start_time: '09:00', end_time: '10:00' }],
    });
    expect(opened.status).toBe(200);
    expect(await openIndexes(sut.api, provider.id, date)).toEqual(range(36, 40));

    const closed = await sut.api.request('PUT', weeklyHours, { hours: [] });
    expect(closed.status).toBe(200);
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([]);
  });
});
