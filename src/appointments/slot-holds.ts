import { Injectable } from '@nestjs/common';
import { Hold, HoldStore, PinOutcome } from '../holds/hold-store';
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

  /** Holds every slot of `hold` or none (HoldStore.claim). */
  async claim(hold: Hold): Promise<boolean> {
    const claimed = await this.holds.claim(hold);
    if (claimed) this.openSlots.forgetDay(hold);
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
