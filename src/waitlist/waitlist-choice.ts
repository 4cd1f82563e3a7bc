import { FieldError } from '../common/app-error';
import { chainSlots, Slot, SLOT_MINUTES } from '../scheduling/slots';

/*
 * Which waiting entry an opening goes to, and where: pure, over the open slots that the booking rules'
 * one function (availability.ts: openSlots) answers for the day. The offer itself then goes through the
 * request path, which asks the same function again and claims atomically.
 */

/** What the choice needs of an entry. */
export interface WaitingEntry {
  id: number;
  createdAt: number;
  durationMinutes: number;
  fromSlot: number;
  toSlot: number;
}

export interface OfferChoice<E extends WaitingEntry> {
  entry: E;
  /** The slot index the offered appointment starts at. */
  startIndex: number;
}

/**
 * The earliest start whose `durationMinutes` of consecutive open slots lie in the entry's window:
 * starting at or after `fromSlot`, the last slot ending at or before `toSlot` (by index: on a day when
 * clocks jump forward, a run that crosses the jump ends at its last real slot's index + 1). Null: none.
 */
export function fittingStart(entry: WaitingEntry, slots: readonly Slot[], open: ReadonlySet<number>): number | null {
  const slotCount = entry.durationMinutes / SLOT_MINUTES;
  const inOrder = [...slots].sort((a, b) => a.startMs - b.startMs);
  for (const slot of inOrder) {
    if (slot.index < entry.fromSlot || !open.has(slot.index)) continue;
    const chain = chainSlots(inOrder, slot.index, slotCount, (index) => open.has(index));
    if (chain && chain[chain.length - 1].index + 1 <= entry.toSlot) return slot.index;
  }
  return null;
}

/**
 * The longest-waiting entry (earliest `createdAt`, then lowest id) that some open run fits, with its
 * earliest fitting start; entries nothing fits are passed over, not blocking those behind them.
 */
export function chooseOffer<E extends WaitingEntry>(
  entries: readonly E[],
  slots: readonly Slot[],
  open: ReadonlySet<number>,
): OfferChoice<E> | null {
  if (open.size === 0) return null;
  const byWait = [...entries].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  for (const entry of byWait) {
    const startIndex = fittingStart(entry, slots, open);
    if (startIndex !== null) return { entry, startIndex };
  }
  return null;
}

/** The body's window rules beyond each field's own: a window that ends after it starts, long enough for the duration. */
export function windowErrorsOf(durationMinutes: number, fromSlot: number, toSlot: number): FieldError[] {
  if (toSlot <= fromSlot) return [{ field: 'to_slot', message: `to_slot (${toSlot}) must be after from_slot (${fromSlot})` }];
  if (fromSlot + durationMinutes / SLOT_MINUTES > toSlot) {
    return [
      {
        field: 'duration_minutes',
        message: `duration_minutes (${durationMinutes}) does not fit between from_slot (${fromSlot}) and to_slot (${toSlot})`,
      },
    ];
  }
  return [];
}
