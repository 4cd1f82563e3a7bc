import { daySlots, parseDate } from '../scheduling/slots';
import { chooseOffer, fittingStart, WaitingEntry, windowErrorsOf } from './waitlist-choice';
import { statusOf } from './waitlist-view';
import { WaitlistEntryEntity } from './entities/waitlist-entry.entity';

const utcDay = daySlots(parseDate('2030-03-04')!, 'UTC');
/** New York springs forward on 2030-03-10: 02:00–02:45 (indexes 8–11) do not exist. */
const springForward = daySlots(parseDate('2030-03-10')!, 'America/New_York');

const open = (...ranges: [number, number][]) =>
  new Set(ranges.flatMap(([from, to]) => Array.from({ length: to - from }, (_, i) => from + i)));

function waiting(id: number, fields: Partial<WaitingEntry> = {}): WaitingEntry {
  return { id, createdAt: 1000 + id, durationMinutes: 15, fromSlot: 0, toSlot: 96, ...fields };
}

describe(fittingStart.name, () => {
  it.each([
    ['the first open slot', waiting(1), open([36, 40]), 36],
    ['nothing open', waiting(1), open(), null],
    ['a window starting later', waiting(1, { fromSlot: 38 }), open([36, 40]), 38],
    ['a window ending before anything opens', waiting(1, { toSlot: 36 }), open([36, 40]), null],
    ['a window that ends exactly where the run ends', waiting(1, { fromSlot: 38, toSlot: 40 }), open([36, 40]), 38],
    ['30 minutes in a run of 2', waiting(1, { durationMinutes: 30 }), open([36, 38]), 36],
    ['30 minutes where runs are single slots', waiting(1, { durationMinutes: 30 }), open([36, 37], [38, 39], [40, 41]), null],
    ['30 minutes in the second, longer run', waiting(1, { durationMinutes: 30 }), open([36, 37], [40, 42]), 40],
    ['60 minutes that would end past the window', waiting(1, { durationMinutes: 60, toSlot: 42 }), open([38, 44]), 38],
    ['60 minutes whose window ends one slot short', waiting(1, { durationMinutes: 60, fromSlot: 39, toSlot: 42 }), open([38, 44]), null],
    ['the last slot of the day', waiting(1, { fromSlot: 95 }), open([90, 96]), 95],
    ['a whole day', waiting(1, { durationMinutes: 240 }), open([0, 96]), 0],
  ] as const)('%s', (_name, entry, openSlots, expected) => {
    expect(fittingStart(entry, utcDay, openSlots)).toBe(expected);
  });

  it.each([
    // 01:45 (7) then 03:00 (12) are consecutive on this day: 30 minutes from 01:45 end at index 13.
    ['runs across the jump', waiting(1, { durationMinutes: 30, fromSlot: 7 }), open([7, 8], [12, 14]), 7],
    [
      'a window ending at 03:15 holds a run across the jump',
      waiting(1, { durationMinutes: 30, fromSlot: 7, toSlot: 13 }),
      open([7, 8], [12, 14]),
      7,
    ],
    ['a window ending at 03:00 does not', waiting(1, { durationMinutes: 30, fromSlot: 7, toSlot: 12 }), open([7, 8], [12, 14]), null],
  ] as const)('on a day clocks jump forward: %s', (_name, entry, openSlots, expected) => {
    expect(fittingStart(entry, springForward, openSlots)).toBe(expected);
  });
});

describe(chooseOffer.name, () => {
  it.each([
    ['nobody waits', [], open([36, 40]), null],
    ['nothing open', [waiting(1)], open(), null],
    ['the longest-waiting entry', [waiting(2), waiting(1)], open([36, 40]), { id: 1, start: 36 }],
    [
      'by id when they joined at the same instant',
      [waiting(5, { createdAt: 7 }), waiting(3, { createdAt: 7 })],
      open([36, 37]),
      { id: 3, start: 36 },
    ],
    [
      'passing over an entry whose duration does not fit',
      [waiting(1, { durationMinutes: 30 }), waiting(2)],
      open([36, 37]),
      { id: 2, start: 36 },
    ],
    ['passing over an entry whose window does not fit', [waiting(1, { fromSlot: 40 }), waiting(2)], open([36, 37]), { id: 2, start: 36 }],
    [
      'the earliest fitting start in the chosen entry’s window',
      [waiting(1, { fromSlot: 50, toSlot: 60 }), waiting(2)],
      open([36, 37], [52, 54]),
      { id: 1, start: 52 },
    ],
    ['no entry fits', [waiting(1, { durationMinutes: 45 }), waiting(2, { toSlot: 36 })], open([36, 38]), null],
  ] as const)('%s', (_name, entries, openSlots, expected) => {
    const choice = chooseOffer(entries, utcDay, openSlots);
    expect(choice && { id: choice.entry.id, start: choice.startIndex }).toEqual(expected);
  });
});

describe(windowErrorsOf.name, () => {
  it.each([
    [15, 0, 96, []],
    [240, 0, 16, []],
    [15, 95, 96, []],
    [15, 40, 40, ['to_slot']],
    [15, 41, 40, ['to_slot']],
    [30, 40, 41, ['duration_minutes']],
    [60, 90, 93, ['duration_minutes']],
  ])('duration %i in [%i, %i) → %j', (duration, from, to, fields) => {
    expect(windowErrorsOf(duration, from, to).map((error) => error.field)).toEqual(fields);
  });
});

describe(statusOf.name, () => {
  const entry = (status: WaitlistEntryEntity['status']): WaitlistEntryEntity => ({
    id: 1,
    providerId: 1,
    clientId: 1,
    date: '2030-03-04',
    durationMinutes: 15,
    fromSlot: 0,
    toSlot: 96,
    status,
    appointmentId: status === 'waiting' ? null : 9,
    createdAt: 0,
    offeredAt: null,
    leftAt: null,
  });

  it.each([
    ['waiting', undefined, 'waiting'],
    ['left', 'pending', 'left'],
    ['left', 'booked', 'left'],
    ['offered', 'pending', 'offered'],
    ['offered', 'booked', 'booked'],
    ['offered', 'lapsed', 'lapsed'],
    // An offer whose appointment cannot be found has nothing left to book.
    ['offered', undefined, 'lapsed'],
  ] as const)('stored %s, its offer %s → %s', (stored, offer, expected) => {
    expect(statusOf(entry(stored), offer)).toBe(expected);
  });
});
