import { FieldError } from '../common/app-error';
import { CalendarDate, DaySlot, localDate, mergeIndexes, parseWallTime, SLOT_MINUTES, wallTimeLabel } from '../scheduling/slots';

/*
 * The open hours of a provider's dates, as plain rules: weekly windows (a weekday's hours, every week)
 * and a date's own windows (its override). Windows are wall-clock minutes from local midnight; a
 * date's real slots (daylight saving) are the slot grid's to say.
 */

const DAY_MINUTES = 24 * 60;

/** A wall-clock window of a day: minutes from local midnight, end exclusive (1440 ends the day). */
export interface MinuteWindow {
  startMinute: number;
  endMinute: number;
}

/** A window of the weekly hours: every `weekday`, 1 (Monday) to 7 (Sunday), as ISO 8601 numbers them. */
export interface WeeklyWindow extends MinuteWindow {
  weekday: number;
}

/** A window as bodies carry it: `HH:mm` times already checked to sit on the 15-minute grid. */
export interface WallTimeWindow {
  start_time: string;
  end_time: string;
}

/** The ISO weekday of a calendar date, 1 (Monday) to 7 (Sunday); the date's own, whatever the zone. */
export function isoWeekday(date: CalendarDate): number {
  const sundayFirst = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return sundayFirst === 0 ? 7 : sundayFirst;
}

/** Windows joined where they overlap or touch (09:00–10:00 and 10:00–11:00 make 09:00–11:00), by start. */
export function mergeWindows(windows: readonly MinuteWindow[]): MinuteWindow[] {
  const sorted = [...windows].sort((a, b) => a.startMinute - b.startMinute || a.endMinute - b.endMinute);
  const merged: MinuteWindow[] = [];
  for (const { startMinute, endMinute } of sorted) {
    const last = merged[merged.length - 1];
    if (last && startMinute <= last.endMinute) last.endMinute = Math.max(last.endMinute, endMinute);
    else merged.push({ startMinute, endMinute });
  }
  return merged;
}

/** Each weekday's windows merged, sorted by weekday then start. Windows of different weekdays never join. */
export function mergeWeeklyWindows(windows: readonly WeeklyWindow[]): WeeklyWindow[] {
  const byWeekday = new Map<number, MinuteWindow[]>();
  for (const window of windows) byWeekday.set(window.weekday, [...(byWeekday.get(window.weekday) ?? []), window]);
  return [...byWeekday.keys()]
    .sort((a, b) => a - b)
    .flatMap((weekday) => mergeWindows(byWeekday.get(weekday)!).map((window) => ({ weekday, ...window })));
}

/** The slot indexes the windows cover, sorted, each once. */
export function windowsToIndexes(windows: readonly MinuteWindow[]): number[] {
  const indexes = new Set<number>();
  for (const { startMinute, endMinute } of windows) {
    for (let minute = startMinute; minute < endMinute; minute += SLOT_MINUTES) indexes.add(minute / SLOT_MINUTES);
  }
  return [...indexes].sort((a, b) => a - b);
}

/** Slot indexes as the fewest windows that cover them (runs of consecutive indexes). */
export function indexesToWindows(indexes: Iterable<number>): MinuteWindow[] {
  return mergeIndexes(indexes).map((range) => ({ startMinute: range.start * SLOT_MINUTES, endMinute: range.end * SLOT_MINUTES }));
}

/** The day's real slots among these indexes: wall times a daylight-saving jump skips that day are absent. */
export function realSlotsAmong(slots: readonly DaySlot[], indexes: Iterable<number>): DaySlot[] {
  const wanted = new Set(indexes);
  return slots.filter((slot) => wanted.has(slot.index));
}

export function toWallTimeWindow(window: MinuteWindow): WallTimeWindow {
  return { start_time: wallTimeLabel(window.startMinute), end_time: wallTimeLabel(window.endMinute) };
}

/**
 * Windows as minutes, with every field that breaks the rule that a window ends after it starts (the
 * grid itself is checked with the body). `path` names the list in the errors (`hours.2.end_time`);
 * without it the window is the body itself (`end_time`).
 */
export function parseWindows<W extends WallTimeWindow>(
  windows: readonly W[],
  path?: string,
): { windows: (MinuteWindow & Omit<W, keyof WallTimeWindow>)[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const parsed = windows.map((window, index) => {
    const field = (name: string) => (path === undefined ? name : `${path}.${index}.${name}`);
    const { start_time, end_time, ...rest } = window;
    const startMinute = parseWallTime(start_time)!;
    const endMinute = parseWallTime(end_time)!;
    if (startMinute >= DAY_MINUTES) {
      errors.push({ field: field('start_time'), message: 'start_time must be before 24:00' });
    } else if (endMinute <= startMinute) {
      errors.push({ field: field('end_time'), message: 'end_time must be after start_time' });
    }
    return { ...rest, startMinute, endMinute };
  });
  return { windows: parsed, errors };
}

/**
 * Refuses a date before the provider's today in its zone: hours set for a day that is over could never
 * be booked (and used to be taken and list nothing).
 */
/** The `date` error of a day before the provider's today, to list beside a body's other errors; null when it is not. */
export function dayBeforeTodayError(date: string, timeZone: string, nowMs: number): FieldError | null {
  const today = localDate(nowMs, timeZone);
  // Both are YYYY-MM-DD, so text order is date order.
  return date < today ? { field: 'date', message: `date must not be before the provider's today (${today}, ${timeZone})` } : null;
}
