/** Which provider-day a hold belongs to: every key of one day shares a Redis hash tag. */
export interface HoldDay {
  providerId: number;
  date: string;
}

export interface Hold extends HoldDay {
  holdId: string;
  slotIndexes: number[];
  /** Epoch ms after which the hold has lapsed. */
  expiresAt: number;
}

export type ConfirmOutcome = 'held' | 'gone';

/**
 * Where slots are held while a client validates. Both implementations keep the same promises:
 * `claim` takes every slot or none in one atomic step, a hold lapses by itself at `expiresAt`,
 * and a hold only ever frees the slots it still owns.
 */
export abstract class HoldStore {
  /** Holds every slot of `hold` or none: false when any of them is already held. */
  abstract claim(hold: Hold): Promise<boolean>;

  /** Which of `slotIndexes` are held right now (one round trip). */
  abstract heldSlots(day: HoldDay, slotIndexes: readonly number[]): Promise<Set<number>>;

  /**
   * Consumes a live hold for booking: the hold record goes, and its slots stay held for `pinMs`
   * more so nobody can claim them while the booking commits. 'gone' when it lapsed or was released.
   */
  abstract consume(hold: Hold, pinMs: number): Promise<ConfirmOutcome>;

  /** Frees the slots that this hold still owns (after a cancellation or a failed request). */
  abstract release(hold: Hold): Promise<void>;

  abstract ping(): Promise<void>;
}
