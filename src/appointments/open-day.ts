import { shiftDate } from '../scheduling/availability';
import { SLOTS_PER_DAY } from '../scheduling/slots';

/** The listing cache's key of a provider's day: every change to that day drops it. */
export function openDayKey(providerId: number, date: string): string {
  return `${providerId}:${date}`;
}

/** The prefix of every listing key of one provider (a change to its weekly hours or rules drops them all). */
export function providerDaysPrefix(providerId: number): string {
  return `${providerId}:`;
}

/**
 * Slots this close to midnight, by index, may lie within a buffer of the adjacent date's slots: the
 * largest buffer (120 minutes) plus the largest daylight-saving shift (an hour), so 3 hours.
 */
const NEAR_MIDNIGHT_SLOTS = 12;

/**
 * The dates whose listing a change to the slots [firstIndex, endIndex) of `date` can change: the date
 * itself, and the date before or after when the slots lie close enough to midnight for a buffer to reach
 * across it. Without the slots (not known), all three.
 */
export function datesTouched(date: string, firstIndex?: number, endIndex?: number): string[] {
  const dates = [date];
  if (firstIndex === undefined || firstIndex < NEAR_MIDNIGHT_SLOTS) dates.push(shiftDate(date, -1));
  if (endIndex === undefined || endIndex > SLOTS_PER_DAY - NEAR_MIDNIGHT_SLOTS) dates.push(shiftDate(date, 1));
  return dates;
}
