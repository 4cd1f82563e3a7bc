import { Slot } from '../scheduling/slots';

/** The listing cache's key of a provider's day: every change to that day drops it. */
export function openDayKey(providerId: number, date: string): string {
  return `${providerId}:${date}`;
}

/** What a provider's day's listing is made of, read at one instant. */
export interface OpenDayFacts {
  /** Every real slot of the day, in order. */
  slots: readonly Slot[];
  /** Published, not started at `nowMs`, and not booked. */
  bookable: ReadonlySet<number>;
  /** The held slots, each with the instant it stops being held (a lapse, or the end of a pin). */
  heldUntil: ReadonlyMap<number, number>;
  nowMs: number;
}

/** The slots the listing offers: bookable and not held. */
export function openIndexes({ slots, bookable, heldUntil }: OpenDayFacts): Set<number> {
  return new Set(slots.filter((slot) => bookable.has(slot.index) && !heldUntil.has(slot.index)).map((slot) => slot.index));
}

/**
 * The first instant at which the listing changes with nobody writing anything: the start of the next
 * open slot (a slot that has started is not offered), or the lapse of a hold on a bookable slot that
 * has not started by then. Undefined when the day has neither.
 */
export function openUntil(facts: OpenDayFacts): number | undefined {
  const { slots, bookable, heldUntil, nowMs } = facts;
  let until = Infinity;
  for (const slot of slots) {
    if (!bookable.has(slot.index) || slot.startMs <= nowMs) continue;
    const freedAt = heldUntil.get(slot.index);
    // Open now: it changes when it starts. Held: when the hold ends, if the slot is still to come then.
    const changesAt = freedAt === undefined ? slot.startMs : freedAt < slot.startMs ? freedAt : undefined;
    if (changesAt !== undefined && changesAt < until) until = changesAt;
  }
  return until === Infinity ? undefined : until;
}
