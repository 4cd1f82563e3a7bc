import { BookingRules } from './booking-rules';
import { chainSlots, daySlots, formatDate, parseDate, Slot } from './slots';

/*
 * The one decision whether slots may be taken. The listing (which starts it offers) and every write
 * (a request, a reschedule) ask these functions over the same facts, so a slot the listing offers is
 * exactly one a request may take, and a rule cannot be enforced in one place and forgotten in another.
 * Pure: the facts are read by OpenSlotsService; the hold store's atomic claim and the database's keys
 * stay the last word under races.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A slot of some date: buffer slots may lie on the day before or after. */
export interface SlotRef {
  date: string;
  index: number;
}

/** Time that keeps slots from being taken: a held or a booked slot, [startMs, endMs). */
export interface TakenInterval {
  startMs: number;
  endMs: number;
  /** The hold owning the slot, for a held one. */
  holdId?: string;
  /** The appointment that booked the slot, for a booked one. */
  appointmentId?: number;
  /** When it stops being taken with nobody writing (a hold's lapse or a pin's end); undefined for a booking. */
  until?: number;
}

/** Everything the decision depends on, read at one instant. */
export interface AvailabilityFacts<S extends Slot = Slot> {
  /** `YYYY-MM-DD`, the provider's local date. */
  date: string;
  timeZone: string;
  /** The date's real slots, in order (daylight saving leaves some indexes out). */
  slots: readonly S[];
  /** The slots inside the date's open hours. */
  hours: ReadonlySet<number>;
  nowMs: number;
  /** The provider's local date at `nowMs`. */
  today: string;
  rules: BookingRules;
  /** Held and booked time of this date, and of the adjacent dates as far as a buffer reaches. */
  taken: readonly TakenInterval[];
  /** The appointment being moved: its own held and booked slots do not count against it. */
  except?: { appointmentId: number; holdId: string };
}

/** Why slots may not be taken, as the API's error codes, in the order they are answered. */
export type Refusal = 'SLOT_UNAVAILABLE' | 'TOO_SOON' | 'TOO_FAR_AHEAD';

export type Verdict<S extends Slot> =
  | {
      ok: true;
      /** The slots the appointment takes, each starting when the previous ends. */
      slots: S[];
      /** The buffer slots around them that no other hold may own while it is claimed. */
      mustBeFree: SlotRef[];
    }
  | { ok: false; refusal: Refusal };

export interface OpenSet {
  /** Indexes of the slots that may be taken now, each on its own. */
  open: Set<number>;
  /** The first instant the set changes with nobody writing anything; undefined when it never does. */
  changesAt: number | undefined;
}

/** `date` moved by `days` calendar days. */
export function shiftDate(date: string, days: number): string {
  const { year, month, day } = parseDate(date)!;
  const moved = new Date(Date.UTC(year, month - 1, day) + days * DAY_MS);
  return formatDate({ year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() });
}

/** The latest date that may be booked: the provider's today plus its horizon. */
export function lastBookableDate(today: string, rules: BookingRules): string {
  return shiftDate(today, rules.bookingHorizonDays);
}

/**
 * The last instant `slot` may still be taken: before it starts, and no later than the notice allows
 * (start >= now + notice).
 */
function lastChance(slot: Slot, rules: BookingRules): number {
  return Math.min(slot.startMs - 1, slot.startMs - rules.minimumNoticeMinutes * MINUTE_MS);
}

/** What keeps `slot` from being taken: taken time within the buffer of it (other than the appointment being moved). */
function blockersOf(slot: Slot, facts: AvailabilityFacts): TakenInterval[] {
  const bufferMs = facts.rules.bufferMinutes * MINUTE_MS;
  return facts.taken.filter(
    (taken) =>
      !isExcepted(taken, facts) &&
      (taken.until === undefined || taken.until > facts.nowMs) &&
      taken.startMs < slot.endMs + bufferMs &&
      taken.endMs > slot.startMs - bufferMs,
  );
}

function isExcepted(taken: TakenInterval, { except }: AvailabilityFacts): boolean {
  if (!except) return false;
  return (taken.holdId !== undefined && taken.holdId === except.holdId) || taken.appointmentId === except.appointmentId;
}

/**
 * The slots the listing offers (each may be taken on its own; a run of them may be taken together),
 * and when that changes by itself: an open slot closes at its last chance (its start, or the notice
 * before it); a slot kept only by holds opens when the last of them lapses, if that is before its last
 * chance. The horizon moves only when the provider's today does, which callers bound by caching briefly.
 */
export function openSlots(facts: AvailabilityFacts): OpenSet {
  const open = new Set<number>();
  if (facts.date > lastBookableDate(facts.today, facts.rules)) return { open, changesAt: undefined };
  let changesAt = Infinity;
  for (const slot of facts.slots) {
    if (!facts.hours.has(slot.index)) continue;
    const last = lastChance(slot, facts.rules);
    if (facts.nowMs > last) continue;
    const blockers = blockersOf(slot, facts);
    if (blockers.length === 0) {
      open.add(slot.index);
      changesAt = Math.min(changesAt, last + 1);
      continue;
    }
    // A booking stays until someone writes; holds lapse.
    if (blockers.some((blocker) => blocker.until === undefined)) continue;
    const freedAt = Math.max(...blockers.map((blocker) => blocker.until!));
    if (freedAt <= last) changesAt = Math.min(changesAt, freedAt);
  }
  return { open, changesAt: changesAt === Infinity ? undefined : changesAt };
}

/**
 * Whether the `slotCount` slots from `startIndex` may be taken, answered in the contract's order: not a
 * real slot of the date or already started → SLOT_UNAVAILABLE; sooner than the notice → TOO_SOON; past
 * the horizon → TOO_FAR_AHEAD; any slot outside the hours, held, booked or inside a buffer →
 * SLOT_UNAVAILABLE. When they may, the slots (chained across daylight saving) and their buffer slots.
 */
export function takeable<S extends Slot>(facts: AvailabilityFacts<S>, startIndex: number, slotCount: number): Verdict<S> {
  const first = facts.slots.find((slot) => slot.index === startIndex);
  if (!first || first.startMs <= facts.nowMs) return { ok: false, refusal: 'SLOT_UNAVAILABLE' };
  if (first.startMs < facts.nowMs + facts.rules.minimumNoticeMinutes * MINUTE_MS) return { ok: false, refusal: 'TOO_SOON' };
  if (facts.date > lastBookableDate(facts.today, facts.rules)) return { ok: false, refusal: 'TOO_FAR_AHEAD' };
  const chain = chainSlots(facts.slots, startIndex, slotCount, (index) => facts.hours.has(index));
  if (!chain || chain.some((slot) => blockersOf(slot, facts).length > 0)) return { ok: false, refusal: 'SLOT_UNAVAILABLE' };
  const startMs = chain[0].startMs;
  const endMs = chain[chain.length - 1].endMs;
  return { ok: true, slots: chain, mustBeFree: bufferSlots(facts.date, facts.timeZone, startMs, endMs, facts.rules.bufferMinutes) };
}

/**
 * The real slots, on `date` and the dates either side, that lie within `bufferMinutes` before `startMs`
 * or after `endMs`: those an appointment over [startMs, endMs) keeps free.
 */
export function bufferSlots(date: string, timeZone: string, startMs: number, endMs: number, bufferMinutes: number): SlotRef[] {
  if (bufferMinutes <= 0) return [];
  const bufferMs = bufferMinutes * MINUTE_MS;
  return slotsOfDatesAround(date, timeZone)
    .filter(
      ({ slot }) => (slot.endMs > startMs - bufferMs && slot.startMs < startMs) || (slot.startMs < endMs + bufferMs && slot.endMs > endMs),
    )
    .map(({ ref }) => ref);
}

/**
 * The slots of the dates before and after `date` whose being taken could keep one of `date`'s open-hours
 * slots from being taken (they lie within the buffer of it): what must be read besides the date itself.
 * Empty without a buffer, or when the hours stay further than the buffer from midnight.
 */
export function adjacentReach(
  date: string,
  timeZone: string,
  slots: readonly Slot[],
  hours: ReadonlySet<number>,
  bufferMinutes: number,
): SlotRef[] {
  const inHours = slots.filter((slot) => hours.has(slot.index));
  if (bufferMinutes <= 0 || inHours.length === 0) return [];
  const bufferMs = bufferMinutes * MINUTE_MS;
  const from = inHours[0].startMs - bufferMs;
  const to = inHours[inHours.length - 1].endMs + bufferMs;
  return slotsOfDatesAround(date, timeZone)
    .filter(({ ref, slot }) => ref.date !== date && slot.endMs > from && slot.startMs < to)
    .map(({ ref }) => ref);
}

function slotsOfDatesAround(date: string, timeZone: string): { ref: SlotRef; slot: Slot }[] {
  return [shiftDate(date, -1), date, shiftDate(date, 1)].flatMap((each) => {
    // The calendar runs from 1970-01-01 to 9999-12-31: past its ends there is nothing to keep free.
    const day = parseDate(each);
    return day ? daySlots(day, timeZone).map((slot) => ({ ref: { date: each, index: slot.index }, slot })) : [];
  });
}
