import { DateTime } from 'luxon';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createProvider, futureDate, openIndexes } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/*
 * Review of weekly hours, date overrides and PATCH provider (found failing on main at 56f68b0): the
 * listing after a weekly-hours change, and every invalid field named at once.
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

  // Proves a date before the provider's today is not named beside a bad window: "errors lists {field,message} for each invalid field".
  it.each([
    [
      'PUT /api/providers/{id}/dates/{date}',
      (providerId: number, date: string) => ({
        method: 'PUT',
        path: `/api/providers/${providerId}/dates/${date}`,
        body: { windows: [{ start_time: '10:00', end_time: '09:00' }] },
      }),
      ['date', 'windows.0.end_time'],
    ],
    [
      'POST /api/schedule',
      (providerId: number, date: string) => ({
        method: 'POST',
        path: '/api/schedule',
        body: { provider_id: providerId, date, start_time: '10:00', end_time: '09:00' },
      }),
      ['date', 'end_time'],
    ],
  ])('%s names both a day before today and a window ending before it starts', async (_name, make, fields) => {
    const provider = await createProvider(sut.api, { time_zone: 'Pacific/Kiritimati' });
    const yesterday = DateTime.now().setZone('Pacific/Kiritimati').minus({ days: 1 }).toISODate()!;
    const { method, path, body } = make(provider.id, yesterday);

    const refused = await sut.api.request(method, path, body);

    expect(refused).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(refused.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(fields);
  });
});
