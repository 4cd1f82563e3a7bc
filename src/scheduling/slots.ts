import { DateTime, IANAZone } from 'luxon';

/** Rules of the 15-minute slot grid. A slot's index is its wall-clock start in minutes from local midnight / 15. */
export const SLOT_MINUTES = 15;
export const SLOTS_PER_DAY = (24 * 60) / SLOT_MINUTES;
const SLOT_MS = SLOT_MINUTES * 60_000;
const DAY_MS = 86_400_000;

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** One real 15-minute interval of a provider's day. */
export interface Slot {
  index: number;
  startMs: number;
  endMs: number;
}

/** A run of consecutive slot indexes, `end` exclusive. */
export interface IndexRange {
  start: number;
  end: number;
}

/** A slot of a provider's day with its answer shape worked out once (labels need zone look-ups). */
export interface DaySlot extends Slot {
  view: SlotView;
}

export interface SlotView {
  index: number;
  start_time: string;
  end_time: string;
  start: string;
  end: string;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^(\d{2}):(\d{2})$/;

/** `YYYY-MM-DD` of a day that exists (2026-02-30 does not), else null. */
export function parseDate(text: string): CalendarDate | null {
  const match = DATE_PATTERN.exec(text);
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (year < 1970 || probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return null;
  }
  return { year, month, day };
}

/** `HH:mm` as minutes from midnight (`24:00` is 1440), else null. */
export function parseWallTime(text: string): number | null {
  const match = TIME_PATTERN.exec(text);
  if (!match) return null;
  const [hours, minutes] = [Number(match[1]), Number(match[2])];
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) return null;
  return hours * 60 + minutes;
}

export function isOnSlotGrid(minutes: number): boolean {
  return minutes % SLOT_MINUTES === 0;
}

export function wallTimeLabel(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  return `${String(hours).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export function indexToWallTime(index: number): string {
  return wallTimeLabel(index * SLOT_MINUTES);
}

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/**
 * Zone ids that ICU still answers with (CLDR keeps each id it ever gave, so Node 20 resolves
 * `Asia/Kolkata` to `Asia/Calcutta`) but that IANA has since renamed, with their current IANA names.
 * Hand-kept because no runtime API maps one to the other: these are the ids of
 * `Intl.supportedValuesOf('timeZone')` that IANA keeps only as a link to the renamed zone. Ids that are
 * links only because IANA merged zones alike since 1970 (`Europe/Bratislava`, `Arctic/Longyearbyen`)
 * are still their country's own names and stay as they are.
 */
const ICU_IDS_RENAMED_BY_IANA: ReadonlyMap<string, string> = new Map([
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
]);

/**
 * The one spelling a time zone is stored under: its current IANA name, whatever spelling or link was
 * typed (`utc` → `UTC`, `europe/paris` → `Europe/Paris`, `US/Pacific` → `America/Los_Angeles`,
 * `Asia/Calcutta` → `Asia/Kolkata`) and whichever names the runtime's ICU uses; null for a name that
 * is not a zone. Canonical names map to themselves.
 */
export function canonicalTimeZone(zone: string): string | null {
  if (!isValidTimeZone(zone)) return null;
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  return ICU_IDS_RENAMED_BY_IANA.get(resolved) ?? resolved;
}

/**
 * The instant a wall-clock time happens in a zone, or null when that time does not exist
 * (skipped by a daylight-saving jump). A time that happens twice (the hour repeated when clocks go
 * back) resolves to its later occurrence, so every slot's end label reads naturally.
 */
export function wallClockInstant(date: CalendarDate, minutes: number, zone: string): number | null {
  const tz = IANAZone.create(zone);
  const asUtc = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
  const offsets = new Set([tz.offset(asUtc - DAY_MS), tz.offset(asUtc), tz.offset(asUtc + DAY_MS)]);
  const instants = [...offsets]
    .map((offsetMinutes) => asUtc - offsetMinutes * 60_000)
    .filter((instant) => asUtc - tz.offset(instant) * 60_000 === instant);
  return instants.length === 0 ? null : Math.max(...instants);
}

const HOUR_MS = 3_600_000;
const DAY_CACHE_SIZE = 4096;
const dayCache = new Map<string, readonly DaySlot[]>();

/**
 * Every real slot of a local day, in order; indexes skipped by daylight saving are absent.
 * Hot paths call this per request, and zone offset look-ups are costly, so a day with no offset
 * change (nearly all of them) is computed from one offset, and results are remembered.
 */
export function daySlots(date: CalendarDate, zone: string): readonly DaySlot[] {
  const key = `${zone}|${date.year}-${date.month}-${date.day}`;
  const cached = dayCache.get(key);
  if (cached) return cached;
  const slots = Object.freeze(
    computeDaySlots(date, zone).map((slot) => Object.freeze({ ...slot, view: Object.freeze(toSlotView(slot, date, zone)) })),
  );
  if (dayCache.size >= DAY_CACHE_SIZE) dayCache.delete(dayCache.keys().next().value!);
  dayCache.set(key, slots);
  return slots;
}

function computeDaySlots(date: CalendarDate, zone: string): Slot[] {
  const tz = IANAZone.create(zone);
  const midnightAsUtc = Date.UTC(date.year, date.month - 1, date.day);
  // Offsets change at most a few times a year; equal offsets a day either side mean none today.
  const offsetBefore = tz.offset(midnightAsUtc - 26 * HOUR_MS);
  const steady = offsetBefore === tz.offset(midnightAsUtc + 50 * HOUR_MS);
  const slots: Slot[] = [];
  for (let index = 0; index < SLOTS_PER_DAY; index++) {
    const startMs = steady ? midnightAsUtc + index * SLOT_MS - offsetBefore * 60_000 : wallClockInstant(date, index * SLOT_MINUTES, zone);
    if (startMs !== null) slots.push({ index, startMs, endMs: startMs + SLOT_MS });
  }
  return slots;
}

/** Slot indexes of the wall-clock window [startMinutes, endMinutes). */
export function windowIndexes(startMinutes: number, endMinutes: number): number[] {
  const indexes: number[] = [];
  for (let minutes = startMinutes; minutes < endMinutes; minutes += SLOT_MINUTES) indexes.push(minutes / SLOT_MINUTES);
  return indexes;
}

/** Merges slot indexes into maximal runs of consecutive indexes (overlapping or touching windows join). */
export function mergeIndexes(indexes: Iterable<number>): IndexRange[] {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const ranges: IndexRange[] = [];
  for (const index of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last.end === index) last.end = index + 1;
    else ranges.push({ start: index, end: index + 1 });
  }
  return ranges;
}

/**
 * The slots of an appointment that starts at `startIndex` and lasts `slotCount` slots: each next slot
 * starts the instant the previous ends (across a daylight-saving jump that is not index + 1).
 * Null when the chain leaves the day or meets a slot not in `isOpen`.
 */
export function chainSlots<S extends Slot>(
  slots: readonly S[],
  startIndex: number,
  slotCount: number,
  isOpen: (index: number) => boolean = () => true,
): S[] | null {
  const byStart = new Map(slots.map((slot) => [slot.startMs, slot]));
  let current = slots.find((slot) => slot.index === startIndex);
  const chain: S[] = [];
  while (current && isOpen(current.index)) {
    chain.push(current);
    if (chain.length === slotCount) return chain;
    current = byStart.get(current.endMs);
  }
  return null;
}

/** Starts where `slotCount` consecutive open slots begin. Linear in the day's slots. */
export function startsThatFit<S extends Slot>(slots: readonly S[], openIndexes: ReadonlySet<number>, slotCount: number): S[] {
  // Walk backwards counting how many open slots run on from each one.
  const runLength = new Map<number, number>();
  const fits: S[] = [];
  for (let i = slots.length - 1; i >= 0; i--) {
    const slot = slots[i];
    if (!openIndexes.has(slot.index)) continue;
    const next = slots[i + 1];
    const continues = next !== undefined && next.startMs === slot.endMs ? (runLength.get(next.index) ?? 0) : 0;
    const run = 1 + continues;
    runLength.set(slot.index, run);
    if (run >= slotCount) fits.push(slot);
  }
  return fits.reverse();
}

function wallLabelAt(instantMs: number, date: CalendarDate, zone: string): string {
  const local = DateTime.fromMillis(instantMs, { zone });
  const sameDay = local.year === date.year && local.month === date.month && local.day === date.day;
  // A slot's end on the next local day is the end of this day, even where that day starts at 01:00.
  return sameDay ? local.toFormat('HH:mm') : '24:00';
}

export function toSlotView(slot: Slot, date: CalendarDate, zone: string): SlotView {
  return {
    index: slot.index,
    start_time: indexToWallTime(slot.index),
    end_time: wallLabelAt(slot.endMs, date, zone),
    start: new Date(slot.startMs).toISOString(),
    end: new Date(slot.endMs).toISOString(),
  };
}

/** The wall-clock end label of a run of slots ending at `endMs`. */
export function endWallTime(endMs: number, date: CalendarDate, zone: string): string {
  return wallLabelAt(endMs, date, zone);
}

/** An instant as a person in that zone reads it: `2026-07-28 14:45 (Europe/Paris)`. */
export function localDateTime(instantMs: number, zone: string): string {
  return `${DateTime.fromMillis(instantMs, { zone }).toFormat('yyyy-MM-dd HH:mm')} (${zone})`;
}

/** Today's date in a zone as `YYYY-MM-DD`. */
export function localDate(instantMs: number, zone: string): string {
  return DateTime.fromMillis(instantMs, { zone }).toISODate()!;
}

export function formatDate(date: CalendarDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}
