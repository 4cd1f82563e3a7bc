import { daySlots, parseDate } from '../scheduling/slots';
import {
  indexesToWindows,
  isoWeekday,
  mergeWeeklyWindows,
  mergeWindows,
  MinuteWindow,
  parseWindows,
  realSlotsAmong,
  dayBeforeTodayError,
  toWallTimeWindow,
  windowsToIndexes,
} from './open-hours';

/** `09:00-10:00` as minutes. */
function w(text: string): MinuteWindow {
  const [start, end] = text.split('-').map((time) => {
    const [hours, minutes] = time.split(':').map(Number);
    return hours * 60 + minutes;
  });
  return { startMinute: start, endMinute: end };
}

function label(windows: MinuteWindow[]): string[] {
  return windows.map((window) => {
    const { start_time, end_time } = toWallTimeWindow(window);
    return `${start_time}-${end_time}`;
  });
}

describe('isoWeekday', () => {
  it.each([
    ['2027-03-22', 1],
    ['2027-03-23', 2],
    ['2027-03-24', 3],
    ['2027-03-25', 4],
    ['2027-03-26', 5],
    ['2027-03-27', 6],
    ['2027-03-28', 7],
    ['1970-01-01', 4],
    ['2000-02-29', 2],
    ['2024-12-31', 2],
    ['2025-01-01', 3],
    ['2026-11-01', 7],
    ['2028-02-29', 2],
    ['2099-12-31', 4],
  ])('%s is weekday %i', (date, weekday) => {
    expect(isoWeekday(parseDate(date)!)).toBe(weekday);
  });

  it('agrees with the calendar for every day of four years', () => {
    const start = Date.UTC(2026, 0, 1);
    for (let day = 0; day < 4 * 366; day++) {
      const instant = new Date(start + day * 86_400_000);
      const date = { year: instant.getUTCFullYear(), month: instant.getUTCMonth() + 1, day: instant.getUTCDate() };
      // Mon 2026-01-05 is weekday 1; the weekday steps through 1..7 one day at a time.
      expect({ day, weekday: isoWeekday(date) }).toEqual({ day, weekday: ((day + 3) % 7) + 1 });
    }
  });
});

describe('mergeWindows', () => {
  it.each<[string, string[], string[]]>([
    ['nothing', [], []],
    ['one window', ['09:00-17:00'], ['09:00-17:00']],
    ['apart, kept apart and sorted', ['14:00-15:00', '09:00-10:00'], ['09:00-10:00', '14:00-15:00']],
    ['touching', ['09:00-10:00', '10:00-11:00'], ['09:00-11:00']],
    ['touching, given in reverse', ['10:00-11:00', '09:00-10:00'], ['09:00-11:00']],
    ['overlapping', ['09:00-10:30', '10:00-11:00'], ['09:00-11:00']],
    ['one inside another', ['09:00-17:00', '10:00-11:00'], ['09:00-17:00']],
    ['the same twice', ['09:00-10:00', '09:00-10:00'], ['09:00-10:00']],
    ['a gap of one slot stays', ['09:00-10:00', '10:15-11:00'], ['09:00-10:00', '10:15-11:00']],
    ['a chain of three', ['11:00-12:00', '09:00-10:00', '10:00-11:00'], ['09:00-12:00']],
    ['a long one swallowing later ones', ['08:00-18:00', '09:00-10:00', '17:45-18:00', '12:00-13:00'], ['08:00-18:00']],
    ['up to the end of the day', ['22:00-24:00', '23:00-23:30'], ['22:00-24:00']],
    ['from midnight', ['00:00-00:15', '00:15-01:00', '03:00-04:00'], ['00:00-01:00', '03:00-04:00']],
    ['the whole day', ['00:00-12:00', '12:00-24:00'], ['00:00-24:00']],
  ])('%s', (_name, given, merged) => {
    expect(label(mergeWindows(given.map(w)))).toEqual(merged);
  });

  it('leaves its input as it was', () => {
    const given = [w('10:00-11:00'), w('09:00-10:00')];
    mergeWindows(given);
    expect(label(given)).toEqual(['10:00-11:00', '09:00-10:00']);
  });
});

describe('mergeWeeklyWindows', () => {
  const weekly = (weekday: number, text: string) => ({ weekday, ...w(text) });
  const show = (windows: ReturnType<typeof mergeWeeklyWindows>) => windows.map((window) => `${window.weekday} ${label([window])[0]}`);

  it.each<[string, [number, string][], string[]]>([
    ['nothing', [], []],
    [
      'sorted by weekday, then start',
      [
        [5, '09:00-12:00'],
        [1, '14:00-18:00'],
        [1, '09:00-12:00'],
        [3, '09:00-10:00'],
      ],
      ['1 09:00-12:00', '1 14:00-18:00', '3 09:00-10:00', '5 09:00-12:00'],
    ],
    [
      'merged within a weekday',
      [
        [2, '09:00-10:00'],
        [2, '10:00-11:00'],
        [2, '10:30-12:00'],
      ],
      ['2 09:00-12:00'],
    ],
    [
      'never across weekdays, even end to start at midnight',
      [
        [1, '20:00-24:00'],
        [2, '00:00-04:00'],
      ],
      ['1 20:00-24:00', '2 00:00-04:00'],
    ],
    [
      'the same window on two weekdays stays on both',
      [
        [6, '10:00-14:00'],
        [7, '10:00-14:00'],
      ],
      ['6 10:00-14:00', '7 10:00-14:00'],
    ],
  ])('%s', (_name, given, merged) => {
    expect(show(mergeWeeklyWindows(given.map(([weekday, text]) => weekly(weekday, text))))).toEqual(merged);
  });
});

describe('windowsToIndexes and indexesToWindows', () => {
  it.each<[string, string[], number[]]>([
    ['nothing', [], []],
    ['09:00-10:00', ['09:00-10:00'], [36, 37, 38, 39]],
    ['two apart', ['00:00-00:30', '23:30-24:00'], [0, 1, 94, 95]],
    ['overlapping, each index once', ['09:00-09:45', '09:30-10:00'], [36, 37, 38, 39]],
    ['one slot', ['14:30-14:45'], [58]],
  ])('%s', (_name, windows, indexes) => {
    expect(windowsToIndexes(windows.map(w))).toEqual(indexes);
  });

  it.each<[number[], string[]]>([
    [[], []],
    [[36, 37, 38, 39], ['09:00-10:00']],
    [[39, 36, 38, 37], ['09:00-10:00']],
    [
      [0, 1, 94, 95],
      ['00:00-00:30', '23:30-24:00'],
    ],
    [[8, 9, 10, 11, 12], ['02:00-03:15']],
  ])('%j as windows is %j', (indexes, windows) => {
    expect(label(indexesToWindows(indexes))).toEqual(windows);
  });

  it('goes back to the merged windows it came from', () => {
    const windows = ['13:00-14:00', '08:00-12:00', '11:00-12:30', '23:45-24:00'].map(w);
    expect(indexesToWindows(windowsToIndexes(windows))).toEqual(mergeWindows(windows));
  });
});

describe('realSlotsAmong', () => {
  const hours = windowsToIndexes([w('01:00-04:00')]);

  it.each<[string, string, string, number[]]>([
    // Clocks jump from 02:00 to 03:00: 02:00–02:45 do not exist that day.
    ['Paris, spring forward', 'Europe/Paris', '2027-03-28', [4, 5, 6, 7, 12, 13, 14, 15]],
    ['New York, spring forward', 'America/New_York', '2027-03-14', [4, 5, 6, 7, 12, 13, 14, 15]],
    // Clocks go back: every wall time exists (the repeated hour once, at its later occurrence).
    ['Paris, fall back', 'Europe/Paris', '2027-10-31', [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]],
    ['Paris, an ordinary day', 'Europe/Paris', '2027-03-29', [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]],
    ['UTC', 'UTC', '2027-03-28', [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]],
    // Lord Howe moves by half an hour: 02:00–02:15 do not exist.
    ['Lord Howe, spring forward', 'Australia/Lord_Howe', '2027-10-03', [4, 5, 6, 7, 10, 11, 12, 13, 14, 15]],
  ])('%s', (_name, zone, date, indexes) => {
    const slots = realSlotsAmong(daySlots(parseDate(date)!, zone), hours);
    expect(slots.map((slot) => slot.index)).toEqual(indexes);
    // Each real slot is the 15 minutes after the one before, or after a jump.
    for (const slot of slots) expect(slot.endMs - slot.startMs).toBe(15 * 60_000);
  });
});

describe('parseWindows', () => {
  it.each<[string, { start_time: string; end_time: string }, string | null]>([
    ['a window', { start_time: '09:00', end_time: '17:00' }, null],
    ['to the end of the day', { start_time: '23:45', end_time: '24:00' }, null],
    ['from midnight', { start_time: '00:00', end_time: '00:15' }, null],
    ['ending before it starts', { start_time: '10:00', end_time: '09:00' }, 'windows.0.end_time'],
    ['ending as it starts', { start_time: '10:00', end_time: '10:00' }, 'windows.0.end_time'],
    ['starting at 24:00', { start_time: '24:00', end_time: '24:00' }, 'windows.0.start_time'],
  ])('%s', (_name, window, field) => {
    const { errors } = parseWindows([window], 'windows');
    expect(errors.map((error) => error.field)).toEqual(field ? [field] : []);
  });

  it('names every window that is wrong, and keeps the other fields', () => {
    const { windows, errors } = parseWindows(
      [
        { weekday: 1, start_time: '09:00', end_time: '08:00' },
        { weekday: 2, start_time: '09:00', end_time: '10:00' },
        { weekday: 3, start_time: '12:00', end_time: '12:00' },
      ],
      'hours',
    );
    expect(errors).toEqual([
      { field: 'hours.0.end_time', message: 'end_time must be after start_time' },
      { field: 'hours.2.end_time', message: 'end_time must be after start_time' },
    ]);
    expect(windows[1]).toEqual({ weekday: 2, startMinute: 540, endMinute: 600 });
  });

  it('names the fields alone when the window is the body itself', () => {
    expect(parseWindows([{ start_time: '10:00', end_time: '09:00' }]).errors).toEqual([
      { field: 'end_time', message: 'end_time must be after start_time' },
    ]);
  });
});

describe('dayBeforeTodayError', () => {
  // 2027-03-01 23:30 UTC: already 2027-03-02 in Paris and Kiritimati, still 2027-03-01 in New York.
  const now = Date.parse('2027-03-01T23:30:00Z');

  it.each<[string, string, boolean]>([
    ['2027-03-01', 'UTC', true],
    ['2027-02-28', 'UTC', false],
    ['2027-03-02', 'UTC', true],
    ['2027-03-01', 'Europe/Paris', false],
    ['2027-03-02', 'Europe/Paris', true],
    ['2027-03-01', 'Pacific/Kiritimati', false],
    ['2027-03-01', 'America/New_York', true],
    ['2027-02-28', 'America/New_York', false],
    ['2026-12-31', 'UTC', false],
    ['2028-01-01', 'UTC', true],
  ])('%s in %s is taken: %s', (date, zone, taken) => {
    const error = dayBeforeTodayError(date, zone, now);
    if (taken) expect(error).toBeNull();
    else expect(error).toEqual({ field: 'date', message: expect.stringContaining(zone) });
  });
});
