import { SlotRef } from '../scheduling/availability';

/** Which provider-day a hold belongs to: every key of one day shares a Redis hash tag. */
export interface HoldDay {
  providerId: number;
  date: string;
}

export interface Hold extends HoldDay {
  holdId: string;
  slotIndexes: number[];
  /** Epoch ms, by the app's Clock, after which the hold has lapsed. */
  expiresAt: number;
}

export type PinOutcome = 'held' | 'gone';

/** Who holds a slot, and until when. */
export interface SlotHolder {
  holdId: string;
  /** Epoch ms, by the app's Clock, at which the slot stops being held unless something changes. */
  until: number;
}

/**
 * Where slots are held while a client validates. Both implementations keep the same promises:
 * `claim` takes every slot or none in one atomic step, a hold lapses by itself at `expiresAt`,
 * and a hold only ever frees the slots it still owns.
 */
export abstract class HoldStore {
  /**
   * Holds every slot of `hold` or none, in one atomic step: false when any of them is held by another
   * hold, or when any of `mustBeFree` (its buffer, possibly on the adjacent dates) is. Slots the same
   * hold id owns already count as free (an appointment may move onto times overlapping its own) and
   * stay held at least as long as they were.
   */
  abstract claim(hold: Hold, mustBeFree?: readonly SlotRef[]): Promise<boolean>;

  /** Who holds each of `slotIndexes` that is held right now, and until when. One round trip. */
  abstract holders(day: HoldDay, slotIndexes: readonly number[]): Promise<Map<number, SlotHolder>>;

  /**
   * Readies a live hold for booking: checks it still owns its slots and keeps them held at least
   * `pinMs` more (never less than the hold itself), so nobody claims them while the booking commits.
   * The hold stays, so a booking that failed can be tried again. 'gone' when it lapsed or was released.
   */
  abstract pin(hold: Hold, pinMs: number): Promise<PinOutcome>;

  /** The hold was booked: its record goes; its slots stay held until the pin lapses. */
  abstract consume(hold: Hold): Promise<void>;

  /** Frees the slots that this hold still owns (after a cancellation or a failed request). */
  abstract release(hold: Hold): Promise<void>;

  abstract ping(): Promise<void>;
}
