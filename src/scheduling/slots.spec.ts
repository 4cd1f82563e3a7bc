import { DateTime } from 'luxon';
import {
  CalendarDate,
  Slot,
  SLOT_MINUTES,
  SLOTS_PER_DAY,
  chainSlots,
  daySlots,
  endWallTime,
  formatDate,
  indexToWallTime,
  localDateTime,
  isOnSlotGrid,
  isValidTimeZone,
  canonicalTimeZone,
  localDate,
  mergeIndexes,
  parseDate,
  parseWallTime,
  startsThatFit,
  toSlotView,
  wallClockInstant,
  wallTimeLabel,
  windowIndexes,
} from './slots';

const day = (text: string): CalendarDate => {
  const [year, month, dayOfMonth] = text.split('-').map(Number);
  return { year, month, day: dayOfMonth };
};
const at = (iso: string): number => Date.parse(iso);
const range = (from: number, toExclusive: number): number[] => Array.from({ length: Math.max(0, toExclusive - from) }, (_, i) => from + i);
const indexesOf = (slots: readonly Slot[] | null): number[] | null => (slots ? slots.map((slot) => slot.index) : null);
const MINUTE = 60_000;
const DAY = 86_400_000;

describe(parseDate.name, () => {
  it.each([
    ['2026-07-28', { year: 2026, month: 7, day: 28 }],
    ['2026-01-01', { year: 2026, month: 1, day: 1 }],
    ['2026-12-31', { year: 2026, month: 12, day: 31 }],
    ['2024-02-29', { year: 2024, month: 2, day: 29 }],
    ['2000-02-29', { year: 2000, month: 2, day: 29 }],
    ['2026-02-28', { year: 2026, month: 2, day: 28 }],
    ['2026-04-30', { year: 2026, month: 4, day: 30 }],
    ['2026-03-08', { year: 2026, month: 3, day: 8 }],
    ['1970-01-01', { year: 1970, month: 1, day: 1 }],
  ])('accepts the real day %s', (text, expected) => {
    expect(parseDate(text)).toEqual(expected);
  });

  it.each([
    ['2026-02-30', 'February 30th'],
    ['2026-02-29', 'February 29th of a common year'],
    ['2025-02-29', 'February 29th of a common year'],
    ['1900-02-29', 'February 29th of a century that is not a leap year'],
    ['2026-04-31', 'April 31st'],
    ['2026-06-31', 'June 31st'],
    ['2026-01-32', 'January 32nd'],
    ['2026-13-01', 'month 13'],
    ['2026-00-10', 'month 0'],
    ['2026-01-00', 'day 0'],
    ['2026-7-28', 'one-digit month'],
    ['2026-07-8', 'one-digit day'],
    ['26-07-28', 'two-digit year'],
    ['02026-07-28', 'five-digit year'],
    ['2026/07/28', 'slashes'],
    ['28-07-2026', 'day first'],
    ['20260728', 'no separators'],
    ['2026-07-28T00:00', 'a date-time'],
    ['2026-07-28Z', 'a trailing zone'],
    [' 2026-07-28', 'a leading space'],
    ['2026-07-28 ', 'a trailing space'],
    ['2026-07-28\n', 'a trailing newline'],
    ['\u0032\u0030\u0032\u0036-07-2\uFF18', 'a full-width digit'],
    ['', 'empty text'],
    ['yyyy-mm-dd', 'letters'],
    ['2026-07--1', 'a negative day'],
  ])('refuses %j (%s)', (text) => {
    expect(parseDate(text)).toBeNull();
  });
});

describe(parseWallTime.name, () => {
  it.each([
    ['00:00', 0],
    ['00:15', 15],
    ['00:01', 1],
    ['09:00', 540],
    ['12:00', 720],
    ['14:30', 870],
    ['23:45', 1425],
    ['23:59', 1439],
    ['24:00', 1440],
  ])('reads %s as %i minutes from midnight', (text, minutes) => {
    expect(parseWallTime(text)).toBe(minutes);
  });

  it.each([
    ['24:15', 'past the end of the day'],
    ['24:01', 'past the end of the day'],
    ['25:00', 'hour 25'],
    ['99:00', 'hour 99'],
    ['12:60', 'minute 60'],
    ['12:99', 'minute 99'],
    ['9:00', 'one-digit hour'],
    ['09:0', 'one-digit minute'],
    ['0900', 'no colon'],
    ['09-00', 'a dash'],
    ['09.00', 'a dot'],
    ['09:00:00', 'seconds'],
    ['-1:00', 'a negative hour'],
    [' 09:00', 'a leading space'],
    ['09:00 ', 'a trailing space'],
    ['09:00\n', 'a trailing newline'],
    ['9am', 'a 12-hour clock'],
    ['ab:cd', 'letters'],
    ['\uFF10\uFF19:00', 'full-width digits'],
    ['', 'empty text'],
  ])('refuses %j (%s)', (text) => {
    expect(parseWallTime(text)).toBeNull();
  });
});

describe(isOnSlotGrid.name, () => {
  it.each([
    [0, true],
    [15, true],
    [30, true],
    [540, true],
    [870, true],
    [1425, true],
    [1440, true],
    [1, false],
    [7, false],
    [14, false],
    [16, false],
    [29, false],
    [871, false],
    [1439, false],
  ])('%i minutes → %s', (minutes, expected) => {
    expect(isOnSlotGrid(minutes)).toBe(expected);
  });
});

describe(indexToWallTime.name, () => {
  it.each([
    [0, '00:00'],
    [1, '00:15'],
    [2, '00:30'],
    [3, '00:45'],
    [4, '01:00'],
    [36, '09:00'],
    [40, '10:00'],
    [58, '14:30'],
    [94, '23:30'],
    [95, '23:45'],
    [96, '24:00'],
  ])('index %i starts at %s', (index, label) => {
    expect(indexToWallTime(index)).toBe(label);
  });

  it('round-trips every index of the day through parseWallTime', () => {
    for (let index = 0; index <= SLOTS_PER_DAY; index++) {
      expect(parseWallTime(indexToWallTime(index))).toBe(index * SLOT_MINUTES);
    }
  });
});

describe(wallTimeLabel.name, () => {
  it.each([
    [0, '00:00'],
    [5, '00:05'],
    [59, '00:59'],
    [60, '01:00'],
    [545, '09:05'],
    [870, '14:30'],
    [1425, '23:45'],
    [1439, '23:59'],
    [1440, '24:00'],
  ])('%i minutes → %s', (minutes, label) => {
    expect(wallTimeLabel(minutes)).toBe(label);
  });
});

describe(windowIndexes.name, () => {
  it.each([
    ['09:00', '10:00', [36, 37, 38, 39]],
    ['14:30', '14:45', [58]],
    ['14:30', '15:30', [58, 59, 60, 61]],
    ['23:45', '24:00', [95]],
    ['23:00', '24:00', [92, 93, 94, 95]],
    ['00:00', '00:15', [0]],
    ['00:00', '01:00', [0, 1, 2, 3]],
    ['00:00', '24:00', range(0, 96)],
    ['10:00', '10:00', []],
    ['11:00', '10:00', []],
  ])('[%s, %s) → %j', (start, end, expected) => {
    expect(windowIndexes(parseWallTime(start)!, parseWallTime(end)!)).toEqual(expected);
  });
});

describe(mergeIndexes.name, () => {
  it.each([
    ['nothing', [], []],
    ['one index', [5], [{ start: 5, end: 6 }]],
    ['one run', [1, 2, 3], [{ start: 1, end: 4 }]],
    ['two overlapping windows', [...range(36, 40), ...range(38, 42)], [{ start: 36, end: 42 }]],
    ['a window inside another', [...range(36, 48), ...range(40, 42)], [{ start: 36, end: 48 }]],
    ['two touching windows', [...range(36, 40), ...range(40, 44)], [{ start: 36, end: 44 }]],
    [
      'two windows with a one-slot gap',
      [...range(36, 40), ...range(41, 44)],
      [
        { start: 36, end: 40 },
        { start: 41, end: 44 },
      ],
    ],
    ['duplicates', [3, 3, 3], [{ start: 3, end: 4 }]],
    ['the same window twice', [...range(36, 40), ...range(36, 40)], [{ start: 36, end: 40 }]],
    [
      'unsorted',
      [10, 2, 11, 1, 3],
      [
        { start: 1, end: 4 },
        { start: 10, end: 12 },
      ],
    ],
    ['descending', [43, 42, 41, 40], [{ start: 40, end: 44 }]],
    [
      'numbers that sort wrongly as text',
      [80, 9, 10],
      [
        { start: 9, end: 11 },
        { start: 80, end: 81 },
      ],
    ],
    [
      'both ends of the day',
      [95, 0],
      [
        { start: 0, end: 1 },
        { start: 95, end: 96 },
      ],
    ],
    ['the whole day', range(0, 96), [{ start: 0, end: 96 }]],
    [
      'every other slot',
      [0, 2, 4],
      [
        { start: 0, end: 1 },
        { start: 2, end: 3 },
        { start: 4, end: 5 },
      ],
    ],
  ])('merges %s', (_name, indexes, expected) => {
    expect(mergeIndexes(indexes)).toEqual(expected);
  });

  it('accepts any iterable, such as a Set', () => {
    expect(mergeIndexes(new Set([40, 38, 39, 12]))).toEqual([
      { start: 12, end: 13 },
      { start: 38, end: 41 },
    ]);
  });
});

describe(wallClockInstant.name, () => {
  it.each([
    // ordinary days
    ['UTC', '2026-07-28', '14:30', '2026-07-28T14:30:00.000Z'],
    ['UTC', '2026-07-28', '00:00', '2026-07-28T00:00:00.000Z'],
    ['UTC', '2026-07-28', '24:00', '2026-07-29T00:00:00.000Z'],
    ['America/New_York', '2026-07-28', '14:30', '2026-07-28T18:30:00.000Z'],
    ['America/New_York', '2026-01-15', '14:30', '2026-01-15T19:30:00.000Z'],
    ['Europe/Paris', '2026-07-28', '09:00', '2026-07-28T07:00:00.000Z'],
    ['Asia/Kolkata', '2026-03-08', '00:00', '2026-03-07T18:30:00.000Z'],
    ['Asia/Kolkata', '2026-11-01', '02:30', '2026-10-31T21:00:00.000Z'],
    ['Pacific/Kiritimati', '2026-01-01', '00:00', '2025-12-31T10:00:00.000Z'],
    // New York springs forward at 02:00 on 2026-03-08
    ['America/New_York', '2026-03-08', '01:45', '2026-03-08T06:45:00.000Z'],
    ['America/New_York', '2026-03-08', '03:00', '2026-03-08T07:00:00.000Z'],
    // New York falls back at 02:00 on 2026-11-01: 01:xx happens twice, the later (EST) counts
    ['America/New_York', '2026-11-01', '00:45', '2026-11-01T04:45:00.000Z'],
    ['America/New_York', '2026-11-01', '01:00', '2026-11-01T06:00:00.000Z'],
    ['America/New_York', '2026-11-01', '01:30', '2026-11-01T06:30:00.000Z'],
    ['America/New_York', '2026-11-01', '01:45', '2026-11-01T06:45:00.000Z'],
    ['America/New_York', '2026-11-01', '02:00', '2026-11-01T07:00:00.000Z'],
    // Paris: spring 2026-03-29 02:00→03:00, fall 2026-10-25 03:00→02:00
    ['Europe/Paris', '2026-03-29', '01:45', '2026-03-29T00:45:00.000Z'],
    ['Europe/Paris', '2026-03-29', '03:00', '2026-03-29T01:00:00.000Z'],
    ['Europe/Paris', '2026-10-25', '01:45', '2026-10-24T23:45:00.000Z'],
    ['Europe/Paris', '2026-10-25', '02:00', '2026-10-25T01:00:00.000Z'],
    ['Europe/Paris', '2026-10-25', '02:30', '2026-10-25T01:30:00.000Z'],
    ['Europe/Paris', '2026-10-25', '03:00', '2026-10-25T02:00:00.000Z'],
    // Lord Howe shifts by 30 minutes: fall 2026-04-05 02:00→01:30, spring 2026-10-04 02:00→02:30
    ['Australia/Lord_Howe', '2026-04-05', '01:15', '2026-04-04T14:15:00.000Z'],
    ['Australia/Lord_Howe', '2026-04-05', '01:30', '2026-04-04T15:00:00.000Z'],
    ['Australia/Lord_Howe', '2026-04-05', '01:45', '2026-04-04T15:15:00.000Z'],
    ['Australia/Lord_Howe', '2026-04-05', '02:00', '2026-04-04T15:30:00.000Z'],
    ['Australia/Lord_Howe', '2026-10-04', '01:45', '2026-10-03T15:15:00.000Z'],
    ['Australia/Lord_Howe', '2026-10-04', '02:30', '2026-10-03T15:30:00.000Z'],
    // Santiago changes at midnight: spring 2026-09-06 00:00→01:00, fall 2026-04-04 24:00→23:00
    ['America/Santiago', '2026-09-06', '01:00', '2026-09-06T04:00:00.000Z'],
    ['America/Santiago', '2026-04-04', '22:45', '2026-04-05T01:45:00.000Z'],
    ['America/Santiago', '2026-04-04', '23:00', '2026-04-05T03:00:00.000Z'],
    ['America/Santiago', '2026-04-04', '23:45', '2026-04-05T03:45:00.000Z'],
  ])('%s %s %s happens at %s', (zone, date, time, expected) => {
    const instant = wallClockInstant(day(date), parseWallTime(time)!, zone);
    expect(instant).not.toBeNull();
    expect(new Date(instant!).toISOString()).toBe(expected);
  });

  it.each([
    ['America/New_York', '2026-03-08', '02:00'],
    ['America/New_York', '2026-03-08', '02:15'],
    ['America/New_York', '2026-03-08', '02:30'],
    ['America/New_York', '2026-03-08', '02:45'],
    ['Europe/Paris', '2026-03-29', '02:00'],
    ['Europe/Paris', '2026-03-29', '02:45'],
    ['Australia/Lord_Howe', '2026-10-04', '02:00'],
    ['Australia/Lord_Howe', '2026-10-04', '02:15'],
    ['America/Santiago', '2026-09-06', '00:00'],
    ['America/Santiago', '2026-09-06', '00:45'],
  ])('%s %s %s does not exist (skipped by daylight saving)', (zone, date, time) => {
    expect(wallClockInstant(day(date), parseWallTime(time)!, zone)).toBeNull();
  });
});

describe(daySlots.name, () => {
  const DST_DAYS: [zone: string, date: string, count: number, missing: number[]][] = [
    ['UTC', '2026-03-08', 96, []],
    ['UTC', '2026-11-01', 96, []],
    ['Asia/Kolkata', '2026-03-08', 96, []],
    ['Asia/Kolkata', '2026-03-29', 96, []],
    ['Asia/Kolkata', '2026-11-01', 96, []],
    ['America/New_York', '2026-07-28', 96, []],
    ['America/New_York', '2026-03-08', 92, [8, 9, 10, 11]],
    ['America/New_York', '2026-11-01', 96, []],
    ['Europe/Paris', '2026-03-29', 92, [8, 9, 10, 11]],
    ['Europe/Paris', '2026-10-25', 96, []],
    ['Australia/Lord_Howe', '2026-10-04', 94, [8, 9]],
    ['Australia/Lord_Howe', '2026-04-05', 96, []],
    ['America/Santiago', '2026-09-06', 92, [0, 1, 2, 3]],
    ['America/Santiago', '2026-04-04', 96, []],
  ];

  it.each(DST_DAYS)('%s %s has %i slots; missing %j', (zone, date, count, missing) => {
    const slots = daySlots(day(date), zone);
    expect(slots).toHaveLength(count);
    expect(range(0, 96).filter((index) => !slots.some((slot) => slot.index === index))).toEqual(missing);
  });

  it.each(DST_DAYS)('%s %s: every slot starts at its index’s wall-clock time that day and lasts 15 minutes', (zone, date) => {
    const slots = daySlots(day(date), zone);
    for (const slot of slots) {
      const local = DateTime.fromMillis(slot.startMs, { zone });
      expect(`${local.toISODate()} ${local.toFormat('HH:mm')}`).toBe(`${date} ${indexToWallTime(slot.index)}`);
      expect(slot.endMs - slot.startMs).toBe(15 * MINUTE);
    }
  });

  it.each(DST_DAYS)('%s %s: slots are in order of index and of time, without overlap', (zone, date) => {
    const slots = daySlots(day(date), zone);
    for (let i = 1; i < slots.length; i++) {
      expect(slots[i].index).toBeGreaterThan(slots[i - 1].index);
      expect(slots[i].startMs).toBeGreaterThanOrEqual(slots[i - 1].endMs);
    }
  });

  it.each([
    ['America/New_York', '2026-11-01', [4, 5, 6, 7]],
    ['Europe/Paris', '2026-10-25', [8, 9, 10, 11]],
    ['Australia/Lord_Howe', '2026-04-05', [6, 7]],
    ['America/Santiago', '2026-04-04', [92, 93, 94, 95]],
  ])('%s %s: the repeated wall times %j take their LATER occurrence', (zone, date, repeated) => {
    const slots = daySlots(day(date), zone);
    for (const index of repeated) {
      const slot = slots.find((s) => s.index === index)!;
      const local = DateTime.fromMillis(slot.startMs, { zone });
      const shift = DateTime.fromMillis(slot.startMs, { zone }).offset - DateTime.fromMillis(slot.startMs - DAY, { zone }).offset;
      // the same wall time happened |shift| minutes earlier too
      const earlier = DateTime.fromMillis(slot.startMs + shift * MINUTE, { zone });
      expect(shift).toBeLessThan(0);
      expect(earlier.toFormat('yyyy-MM-dd HH:mm')).toBe(local.toFormat('yyyy-MM-dd HH:mm'));
    }
  });

  it('New York 2026-03-08 jumps from 01:45 EST to 03:00 EDT with no time between', () => {
    const slots = daySlots(day('2026-03-08'), 'America/New_York');
    const seven = slots.find((s) => s.index === 7)!;
    const twelve = slots.find((s) => s.index === 12)!;
    expect(new Date(seven.startMs).toISOString()).toBe('2026-03-08T06:45:00.000Z');
    expect(new Date(twelve.startMs).toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(seven.endMs).toBe(twelve.startMs);
  });

  it('New York 2026-11-01: 00:45 EDT is followed by the second 01:00 (EST), an hour of real time later', () => {
    const slots = daySlots(day('2026-11-01'), 'America/New_York');
    const three = slots.find((s) => s.index === 3)!;
    const four = slots.find((s) => s.index === 4)!;
    expect(new Date(three.startMs).toISOString()).toBe('2026-11-01T04:45:00.000Z');
    expect(new Date(four.startMs).toISOString()).toBe('2026-11-01T06:00:00.000Z');
    expect(four.startMs - three.endMs).toBe(60 * MINUTE);
  });

  it('UTC: 96 back-to-back slots covering exactly the day', () => {
    const slots = daySlots(day('2026-07-28'), 'UTC');
    expect(slots.map((s) => s.index)).toEqual(range(0, 96));
    expect(slots[0].startMs).toBe(at('2026-07-28T00:00:00Z'));
    expect(slots[95].endMs).toBe(at('2026-07-29T00:00:00Z'));
    for (let i = 1; i < slots.length; i++) expect(slots[i].startMs).toBe(slots[i - 1].endMs);
  });
});

describe(chainSlots.name, () => {
  const utc = daySlots(day('2026-07-28'), 'UTC');
  const nySpring = daySlots(day('2026-03-08'), 'America/New_York');
  const nyFall = daySlots(day('2026-11-01'), 'America/New_York');
  const parisFall = daySlots(day('2026-10-25'), 'Europe/Paris');
  const lordHoweSpring = daySlots(day('2026-10-04'), 'Australia/Lord_Howe');
  const allOpen = () => true;
  const closed =
    (...indexes: number[]) =>
    (index: number) =>
      !indexes.includes(index);

  it.each([
    ['UTC, one slot', utc, 40, 1, allOpen, [40]],
    ['UTC, an hour', utc, 40, 4, allOpen, [40, 41, 42, 43]],
    ['UTC, two hours', utc, 36, 8, allOpen, range(36, 44)],
    ['UTC, the first slot', utc, 0, 2, allOpen, [0, 1]],
    ['UTC, ending exactly at midnight', utc, 94, 2, allOpen, [94, 95]],
    ['UTC, the last slot alone', utc, 95, 1, allOpen, [95]],
    ['UTC, right after a closed slot', utc, 43, 2, closed(42), [43, 44]],
    ['UTC, right before a closed slot', utc, 40, 2, closed(42), [40, 41]],
    ['New York spring, across the gap', nySpring, 7, 2, allOpen, [7, 12]],
    ['New York spring, an hour across the gap', nySpring, 6, 4, allOpen, [6, 7, 12, 13]],
    ['New York spring, after the gap', nySpring, 12, 4, allOpen, [12, 13, 14, 15]],
    ['New York fall, the repeated hour', nyFall, 4, 4, allOpen, [4, 5, 6, 7]],
    ['New York fall, out of the repeated hour', nyFall, 7, 2, allOpen, [7, 8]],
    ['New York fall, before the change', nyFall, 0, 4, allOpen, [0, 1, 2, 3]],
    ['Lord Howe spring, across the 30-minute gap', lordHoweSpring, 7, 2, allOpen, [7, 10]],
  ])('%s', (_name, slots, start, count, isOpen, expected) => {
    const chain = chainSlots(slots, start, count, isOpen);
    expect(indexesOf(chain)).toEqual(expected);
    for (let i = 1; i < chain!.length; i++) expect(chain![i].startMs).toBe(chain![i - 1].endMs);
  });

  it.each([
    ['UTC, meets a closed slot', utc, 40, 4, closed(42)],
    ['UTC, its first slot is closed', utc, 40, 4, closed(40)],
    ['UTC, its last slot is closed', utc, 40, 4, closed(43)],
    ['UTC, leaves the day', utc, 95, 2, allOpen],
    ['UTC, leaves the day after an hour', utc, 92, 5, allOpen],
    ['UTC, starts at a slot that does not exist', utc, 96, 1, allOpen],
    ['UTC, starts at a negative index', utc, -1, 1, allOpen],
    ['New York spring, starts in the skipped hour', nySpring, 8, 1, allOpen],
    ['New York spring, across the gap into a closed slot', nySpring, 7, 2, closed(12)],
    ['New York fall, index 3 then 4 are an hour apart', nyFall, 3, 2, allOpen],
    ['New York fall, an hour from 00:30', nyFall, 2, 4, allOpen],
    ['Paris fall, index 7 then 8 are an hour apart', parisFall, 7, 2, allOpen],
  ])('%s → null', (_name, slots, start, count, isOpen) => {
    expect(chainSlots(slots, start, count, isOpen)).toBeNull();
  });

  it('asks only about the slots of the chain', () => {
    const asked: number[] = [];
    chainSlots(nySpring, 6, 4, (index) => {
      asked.push(index);
      return true;
    });
    expect(asked).toEqual([6, 7, 12, 13]);
  });
});

describe(startsThatFit.name, () => {
  const utc = daySlots(day('2026-07-28'), 'UTC');
  const nySpring = daySlots(day('2026-03-08'), 'America/New_York');
  const nyFall = daySlots(day('2026-11-01'), 'America/New_York');
  const lordHoweSpring = daySlots(day('2026-10-04'), 'Australia/Lord_Howe');

  const CASES: [name: string, slots: readonly Slot[], open: number[], minutes: number, starts: number[]][] = [
    ['UTC 09:00-11:00, 15 minutes', utc, range(36, 44), 15, range(36, 44)],
    ['UTC 09:00-11:00, 30 minutes', utc, range(36, 44), 30, range(36, 43)],
    ['UTC 09:00-11:00, 45 minutes', utc, range(36, 44), 45, range(36, 42)],
    ['UTC 09:00-11:00, 60 minutes', utc, range(36, 44), 60, range(36, 41)],
    ['UTC 09:00-11:00, 120 minutes', utc, range(36, 44), 120, [36]],
    ['UTC 09:00-11:00, 135 minutes', utc, range(36, 44), 135, []],
    ['UTC nothing open, 15 minutes', utc, [], 15, []],
    ['UTC gap at 10:00, 15 minutes', utc, [...range(36, 40), ...range(41, 45)], 15, [...range(36, 40), ...range(41, 45)]],
    ['UTC gap at 10:00, 30 minutes', utc, [...range(36, 40), ...range(41, 45)], 30, [36, 37, 38, 41, 42, 43]],
    ['UTC gap at 10:00, 45 minutes', utc, [...range(36, 40), ...range(41, 45)], 45, [36, 37, 41, 42]],
    ['UTC gap at 10:00, 60 minutes', utc, [...range(36, 40), ...range(41, 45)], 60, [36, 41]],
    ['UTC gap at 10:00, 75 minutes', utc, [...range(36, 40), ...range(41, 45)], 75, []],
    ['UTC scattered single slots, 30 minutes', utc, [10, 20, 30], 30, []],
    ['UTC the end of the day, 60 minutes', utc, range(90, 96), 60, [90, 91, 92]],
    ['UTC the whole day, 60 minutes', utc, range(0, 96), 60, range(0, 93)],
    ['New York spring 01:00-04:00, 15 minutes', nySpring, range(4, 16), 15, [4, 5, 6, 7, 12, 13, 14, 15]],
    ['New York spring 01:00-04:00, 30 minutes', nySpring, range(4, 16), 30, [4, 5, 6, 7, 12, 13, 14]],
    ['New York spring 01:00-04:00, 60 minutes', nySpring, range(4, 16), 60, [4, 5, 6, 7, 12]],
    ['New York spring, open indexes of the skipped hour count for nothing', nySpring, [8, 9, 10, 11], 15, []],
    ['New York fall 00:00-03:00, 30 minutes', nyFall, range(0, 12), 30, [0, 1, 2, 4, 5, 6, 7, 8, 9, 10]],
    ['New York fall 00:00-03:00, 60 minutes', nyFall, range(0, 12), 60, [0, 4, 5, 6, 7, 8]],
    ['Lord Howe spring 01:00-03:00, 45 minutes', lordHoweSpring, range(4, 12), 45, [4, 5, 6, 7]],
    ['Lord Howe spring 01:00-03:30, 45 minutes', lordHoweSpring, range(4, 14), 45, [4, 5, 6, 7, 10, 11]],
  ];

  it.each(CASES)('%s', (_name, slots, open, minutes, starts) => {
    expect(startsThatFit(slots, new Set(open), minutes / SLOT_MINUTES).map((slot) => slot.index)).toEqual(starts);
  });

  it.each(CASES)('%s: agrees with chainSlots at every start', (_name, slots, open, minutes) => {
    const openSet = new Set(open);
    const count = minutes / SLOT_MINUTES;
    const expected = slots.filter((slot) => chainSlots(slots, slot.index, count, (i) => openSet.has(i)) !== null);
    expect(startsThatFit(slots, openSet, count)).toEqual(expected);
  });
});

describe(toSlotView.name, () => {
  it.each([
    [
      'UTC',
      '2026-07-28',
      58,
      { start_time: '14:30', end_time: '14:45', start: '2026-07-28T14:30:00.000Z', end: '2026-07-28T14:45:00.000Z' },
    ],
    [
      'UTC',
      '2026-07-28',
      0,
      { start_time: '00:00', end_time: '00:15', start: '2026-07-28T00:00:00.000Z', end: '2026-07-28T00:15:00.000Z' },
    ],
    [
      'UTC',
      '2026-07-28',
      95,
      { start_time: '23:45', end_time: '24:00', start: '2026-07-28T23:45:00.000Z', end: '2026-07-29T00:00:00.000Z' },
    ],
    [
      'America/New_York',
      '2026-07-28',
      58,
      { start_time: '14:30', end_time: '14:45', start: '2026-07-28T18:30:00.000Z', end: '2026-07-28T18:45:00.000Z' },
    ],
    [
      'America/New_York',
      '2026-07-28',
      95,
      { start_time: '23:45', end_time: '24:00', start: '2026-07-29T03:45:00.000Z', end: '2026-07-29T04:00:00.000Z' },
    ],
    [
      'America/New_York',
      '2026-03-08',
      7,
      { start_time: '01:45', end_time: '03:00', start: '2026-03-08T06:45:00.000Z', end: '2026-03-08T07:00:00.000Z' },
    ],
    [
      'America/New_York',
      '2026-03-08',
      95,
      { start_time: '23:45', end_time: '24:00', start: '2026-03-09T03:45:00.000Z', end: '2026-03-09T04:00:00.000Z' },
    ],
    [
      'America/New_York',
      '2026-11-01',
      3,
      { start_time: '00:45', end_time: '01:00', start: '2026-11-01T04:45:00.000Z', end: '2026-11-01T05:00:00.000Z' },
    ],
    [
      'America/New_York',
      '2026-11-01',
      7,
      { start_time: '01:45', end_time: '02:00', start: '2026-11-01T06:45:00.000Z', end: '2026-11-01T07:00:00.000Z' },
    ],
    [
      'America/New_York',
      '2026-11-01',
      95,
      { start_time: '23:45', end_time: '24:00', start: '2026-11-02T04:45:00.000Z', end: '2026-11-02T05:00:00.000Z' },
    ],
    [
      'Asia/Kolkata',
      '2026-03-08',
      95,
      { start_time: '23:45', end_time: '24:00', start: '2026-03-08T18:15:00.000Z', end: '2026-03-08T18:30:00.000Z' },
    ],
    [
      'Europe/Paris',
      '2026-03-29',
      7,
      { start_time: '01:45', end_time: '03:00', start: '2026-03-29T00:45:00.000Z', end: '2026-03-29T01:00:00.000Z' },
    ],
    [
      'Australia/Lord_Howe',
      '2026-10-04',
      7,
      { start_time: '01:45', end_time: '02:30', start: '2026-10-03T15:15:00.000Z', end: '2026-10-03T15:30:00.000Z' },
    ],
    [
      'America/Santiago',
      '2026-04-04',
      91,
      { start_time: '22:45', end_time: '23:00', start: '2026-04-05T01:45:00.000Z', end: '2026-04-05T02:00:00.000Z' },
    ],
    [
      'America/Santiago',
      '2026-04-04',
      95,
      { start_time: '23:45', end_time: '24:00', start: '2026-04-05T03:45:00.000Z', end: '2026-04-05T04:00:00.000Z' },
    ],
    // the next day starts at 01:00 (its midnight is skipped): this day still ends at 24:00
    [
      'America/Santiago',
      '2026-09-05',
      95,
      { start_time: '23:45', end_time: '24:00', start: '2026-09-06T03:45:00.000Z', end: '2026-09-06T04:00:00.000Z' },
    ],
  ])('%s %s index %i → %j', (zone, date, index, expected) => {
    const slot = daySlots(day(date), zone).find((s) => s.index === index)!;
    expect(toSlotView(slot, day(date), zone)).toEqual({ index, ...expected });
  });

  it.each([
    ['UTC', '2026-07-28'],
    ['America/New_York', '2026-03-08'],
    ['America/New_York', '2026-11-01'],
    ['Europe/Paris', '2026-10-25'],
    ['Australia/Lord_Howe', '2026-04-05'],
  ])('%s %s: start and end are ISO instants in UTC, 15 minutes apart', (zone, date) => {
    for (const slot of daySlots(day(date), zone)) {
      const view = toSlotView(slot, day(date), zone);
      expect(view.start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
      expect(view.end).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
      expect(Date.parse(view.end) - Date.parse(view.start)).toBe(15 * MINUTE);
      expect(view.start_time).toBe(indexToWallTime(slot.index));
    }
  });
});

describe(endWallTime.name, () => {
  it.each([
    ['UTC', '2026-07-28', '2026-07-28T10:00:00Z', '10:00'],
    ['UTC', '2026-07-28', '2026-07-29T00:00:00Z', '24:00'],
    ['America/New_York', '2026-03-08', '2026-03-08T07:00:00Z', '03:00'],
    ['America/New_York', '2026-11-01', '2026-11-01T07:00:00Z', '02:00'],
    ['America/New_York', '2026-11-01', '2026-11-02T05:00:00Z', '24:00'],
    ['Europe/Paris', '2026-10-25', '2026-10-25T02:00:00Z', '03:00'],
  ])('%s %s, ending at %s → %s', (zone, date, iso, label) => {
    expect(endWallTime(at(iso), day(date), zone)).toBe(label);
  });
});

describe(localDate.name, () => {
  it.each([
    ['2026-03-08T04:30:00Z', 'UTC', '2026-03-08'],
    ['2026-03-08T04:30:00Z', 'America/New_York', '2026-03-07'],
    ['2026-03-08T05:00:00Z', 'America/New_York', '2026-03-08'],
    ['2026-03-07T18:29:59.999Z', 'Asia/Kolkata', '2026-03-07'],
    ['2026-03-07T18:30:00Z', 'Asia/Kolkata', '2026-03-08'],
    ['2026-10-03T13:29:59Z', 'Australia/Lord_Howe', '2026-10-03'],
    ['2026-10-03T13:30:00Z', 'Australia/Lord_Howe', '2026-10-04'],
    ['2026-01-01T10:00:00Z', 'Pacific/Kiritimati', '2026-01-02'],
    ['2026-01-01T10:00:00Z', 'Pacific/Pago_Pago', '2025-12-31'],
    ['2026-12-31T23:59:59.999Z', 'UTC', '2026-12-31'],
    ['2027-01-01T00:00:00Z', 'UTC', '2027-01-01'],
  ])('%s in %s is %s', (iso, zone, expected) => {
    expect(localDate(at(iso), zone)).toBe(expected);
  });
});

describe(formatDate.name, () => {
  it.each([
    [{ year: 2026, month: 7, day: 28 }, '2026-07-28'],
    [{ year: 2026, month: 1, day: 5 }, '2026-01-05'],
    [{ year: 2024, month: 12, day: 31 }, '2024-12-31'],
  ])('%j → %s', (date, text) => {
    expect(formatDate(date)).toBe(text);
    expect(parseDate(text)).toEqual(date);
  });
});

describe(isValidTimeZone.name, () => {
  it.each([
    ['UTC', true],
    ['Europe/Paris', true],
    ['America/New_York', true],
    ['Australia/Lord_Howe', true],
    ['Asia/Kolkata', true],
    ['Mars/Olympus_Mons', false],
    ['Europe/Pariss', false],
    ['', false],
    ['not a zone', false],
  ])('%j → %s', (zone, expected) => {
    expect(isValidTimeZone(zone)).toBe(expected);
  });
});

describe(canonicalTimeZone.name, () => {
  it.each([
    ['UTC', 'UTC'],
    ['utc', 'UTC'],
    ['Utc', 'UTC'],
    ['Europe/Paris', 'Europe/Paris'],
    ['europe/paris', 'Europe/Paris'],
    ['EUROPE/PARIS', 'Europe/Paris'],
    ['america/new_york', 'America/New_York'],
    ['australia/lord_howe', 'Australia/Lord_Howe'],
    ['America/Los_Angeles', 'America/Los_Angeles'],
  ])('%j → %j', (zone, canonical) => {
    expect(canonicalTimeZone(zone)).toBe(canonical);
  });

  it.each(['Mars/Olympus_Mons', 'Europe/Pariss', '', 'not a zone', '+01:00', 'UTC+1', 'Z'])('%j is no zone', (zone) => {
    expect(canonicalTimeZone(zone)).toBeNull();
  });

  // Every zone IANA has renamed since ICU named it: the old and the new spelling, in any case, are
  // stored under the new one, whichever spelling the runtime's ICU prefers.
  const RENAMED: [string, string][] = [
    ['Africa/Asmera', 'Africa/Asmara'],
    ['America/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
    ['America/Catamarca', 'America/Argentina/Catamarca'],
    ['America/Coral_Harbour', 'America/Atikokan'],
    ['America/Cordoba', 'America/Argentina/Cordoba'],
    ['America/Godthab', 'America/Nuuk'],
    ['America/Indianapolis', 'America/Indiana/Indianapolis'],
    ['America/Jujuy', 'America/Argentina/Jujuy'],
    ['America/Louisville', 'America/Kentucky/Louisville'],
    ['America/Mendoza', 'America/Argentina/Mendoza'],
    ['Asia/Calcutta', 'Asia/Kolkata'],
    ['Asia/Katmandu', 'Asia/Kathmandu'],
    ['Asia/Rangoon', 'Asia/Yangon'],
    ['Asia/Saigon', 'Asia/Ho_Chi_Minh'],
    ['Atlantic/Faeroe', 'Atlantic/Faroe'],
    ['Europe/Kiev', 'Europe/Kyiv'],
    ['Pacific/Enderbury', 'Pacific/Kanton'],
    ['Pacific/Ponape', 'Pacific/Pohnpei'],
    ['Pacific/Truk', 'Pacific/Chuuk'],
  ];
  it.each(RENAMED.flatMap(([old, current]) => [old, current, old.toLowerCase(), current.toLowerCase()].map((typed) => [typed, current])))(
    'renamed zone %j → %j',
    (typed, current) => {
      expect(canonicalTimeZone(typed)).toBe(current);
    },
  );

  // Links whose zone IANA merged with another or renamed: the zone's current name.
  it.each([
    ['US/Pacific', 'America/Los_Angeles'],
    ['us/pacific', 'America/Los_Angeles'],
    ['Europe/Uzhgorod', 'Europe/Kyiv'],
    ['Europe/Zaporozhye', 'Europe/Kyiv'],
    ['Pacific/Yap', 'Pacific/Chuuk'],
    ['America/Fort_Wayne', 'America/Indiana/Indianapolis'],
    ['America/Rosario', 'America/Argentina/Cordoba'],
    ['Etc/UTC', 'UTC'],
    ['GMT', 'UTC'],
  ])('link %j → %j', (typed, current) => {
    expect(canonicalTimeZone(typed)).toBe(current);
  });

  // Links only because IANA merged zones alike since 1970: each is still its own country's name.
  it.each(['Europe/Bratislava', 'Arctic/Longyearbyen', 'Europe/Vatican', 'America/Marigot', 'Europe/Mariehamn'])('%j stays', (zone) => {
    expect(canonicalTimeZone(zone)).toBe(zone);
  });

  it('answers, for every zone the runtime knows, a name that is its own canonical name and no ICU-only spelling', () => {
    const legacy = new Set(RENAMED.map(([old]) => old));
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      const canonical = canonicalTimeZone(zone);
      expect({ zone, canonical, legacy: legacy.has(canonical!) }).toEqual({ zone, canonical: expect.any(String), legacy: false });
      expect(canonicalTimeZone(canonical!)).toBe(canonical);
    }
  });

  it('stores US/Pacific-New, a link tzdata has dropped, as Los Angeles or refuses it', () => {
    expect([null, 'America/Los_Angeles']).toContain(canonicalTimeZone('US/Pacific-New'));
  });
});

describe(localDateTime.name, () => {
  it.each([
    [Date.parse('2026-07-28T12:45:00Z'), 'Europe/Paris', '2026-07-28 14:45 (Europe/Paris)'],
    [Date.parse('2026-07-28T03:10:00Z'), 'America/New_York', '2026-07-27 23:10 (America/New_York)'],
    [Date.parse('2026-11-01T06:30:00Z'), 'America/New_York', '2026-11-01 01:30 (America/New_York)'],
    [Date.parse('2026-07-28T12:45:00Z'), 'UTC', '2026-07-28 12:45 (UTC)'],
  ])('%i in %s reads %s', (instant, zone, expected) => {
    expect(localDateTime(instant, zone)).toBe(expected);
  });
});
