import { Slot } from '../scheduling/slots';
import { openDayKey, OpenDayFacts, openIndexes, openUntil } from './open-day';

const MIDNIGHT = Date.parse('2030-03-04T00:00:00Z');
const SLOT_MS = 15 * 60_000;
/** The instant slot `index` of the day starts. */
const startOf = (index: number) => MIDNIGHT + index * SLOT_MS;
const DAY: Slot[] = Array.from({ length: 96 }, (_, index) => ({ index, startMs: startOf(index), endMs: startOf(index + 1) }));

function facts(bookable: number[], held: Record<number, number> = {}, nowMs = startOf(30)): OpenDayFacts {
  return {
    slots: DAY,
    bookable: new Set(bookable),
    heldUntil: new Map(Object.entries(held).map(([index, until]) => [Number(index), until])),
    nowMs,
  };
}

describe('openDayKey', () => {
  it.each([
    { providerId: 1, date: '2030-03-04', key: '1:2030-03-04' },
    { providerId: 124, date: '2026-07-28', key: '124:2026-07-28' },
  ])('is $key for provider $providerId on $date', ({ providerId, date, key }) => {
    expect(openDayKey(providerId, date)).toBe(key);
  });
});

interface Case {
  case: string;
  bookable: number[];
  held: Record<number, number>;
}

describe('openIndexes', () => {
  it.each<Case & { open: number[] }>([
    { case: 'nothing bookable', bookable: [], held: {}, open: [] },
    { case: 'every bookable slot when none is held', bookable: [36, 37, 38], held: {}, open: [36, 37, 38] },
    { case: 'bookable slots less the held ones', bookable: [36, 37, 38], held: { 37: startOf(37) }, open: [36, 38] },
    { case: 'nothing for a hold on a slot that is not bookable', bookable: [36], held: { 40: startOf(40) }, open: [36] },
  ])('is $case', ({ bookable, held, open }) => {
    expect([...openIndexes(facts(bookable, held))]).toEqual(open);
  });
});

describe('openUntil', () => {
  const now = startOf(30);
  it.each<Case & { until: number | undefined }>([
    { case: 'never, for a day with nothing bookable', bookable: [], held: {}, until: undefined },
    { case: 'the start of the first open slot', bookable: [36, 37], held: {}, until: startOf(36) },
    { case: 'the start of the first open slot still to come', bookable: [29, 30, 31], held: {}, until: startOf(31) },
    {
      case: 'a hold lapsing before the next open slot starts',
      bookable: [36, 40],
      held: { 40: now + 60_000 },
      until: now + 60_000,
    },
    {
      case: 'the next start when a hold lapses later',
      bookable: [36, 40],
      held: { 40: startOf(38) },
      until: startOf(36),
    },
    {
      case: 'the earliest of several lapses, when every bookable slot is held',
      bookable: [36, 40],
      held: { 36: now + 120_000, 40: now + 60_000 },
      until: now + 60_000,
    },
    {
      case: 'not a lapse that comes once its slot has started (the slot is gone by then)',
      bookable: [36, 40],
      held: { 36: startOf(37), 40: startOf(42) },
      until: undefined,
    },
    {
      case: 'not a lapse at the very instant its slot starts',
      bookable: [36, 50],
      held: { 36: startOf(36) },
      until: startOf(50),
    },
    {
      case: 'not the lapse of a pin on a booked slot (not bookable)',
      bookable: [50],
      held: { 40: now + 1000 },
      until: startOf(50),
    },
    { case: 'never, for a hold that does not lapse', bookable: [40], held: { 40: Infinity }, until: undefined },
  ])('is $case', ({ bookable, held, until }) => {
    expect(openUntil(facts(bookable, held, now))).toBe(until);
  });
});
