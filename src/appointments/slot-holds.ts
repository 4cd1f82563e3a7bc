import { Injectable } from '@nestjs/common';
import { Hold, HoldStore, PinOutcome } from '../holds/hold-store';
import { SlotRef } from '../scheduling/availability';
import { OpenSlotsService } from './open-slots.service';

/**
 * The appointments' writes to the hold store. A write that changes which slots a day holds drops that
 * day's listing on every process once it is done, so no caller can forget to; the database's changes
 * are told by domain events (OpenSlotsService listens).
 */
@Injectable()
export class SlotHolds {
  constructor(
    private readonly holds: HoldStore,
    private readonly openSlots: OpenSlotsService,
  ) {}

  /**
   * Holds every slot of `hold` or none, atomically: each slot free or already this hold id's, and no
   * slot of `mustBeFree` (the buffer around it, from OpenSlotsService.takeableSlots) held by another
   * hold (HoldStore.claim). The listings of the day and of any date its buffer reaches are dropped.
   */
  async claim(hold: Hold, mustBeFree: readonly SlotRef[] = []): Promise<boolean> {
    const claimed = await this.holds.claim(hold, mustBeFree);
    if (claimed) {
      this.openSlots.forgetDay(hold);
      this.openSlots.forgetDates(
        hold.providerId,
        mustBeFree.map((ref) => ref.date),
      );
    }
    return claimed;
  }

  /** Frees the slots `hold` still owns. Whether a failed release freed any is unknown, so the listing goes either way. */
  async release(hold: Hold): Promise<void> {
    try {
      await this.holds.release(hold);
    } finally {
      this.openSlots.forgetDay(hold);
    }
  }

  /** Keeps the hold's slots held while a booking commits: the same slots stay held, only longer. */
  pin(hold: Hold, pinMs: number): Promise<PinOutcome> {
    return this.holds.pin(hold, pinMs);
  }
}
