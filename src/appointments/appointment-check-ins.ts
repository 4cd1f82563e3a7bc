import { Injectable } from '@nestjs/common';
import { Transaction } from '../database/database.service';

/** Whether an appointment has a queue entry, read in `tx` when one is given. */
export type CheckInLookup = (appointmentId: number, tx?: Transaction) => Promise<boolean>;

/**
 * Whether an appointment has checked in to a queue. The queue module owns its entries and depends
 * on this module, so it registers how to tell here at start-up, and this module never imports it
 * (no loop between the two, no read of another module's table).
 */
@Injectable()
export class AppointmentCheckIns {
  private lookup: CheckInLookup | null = null;

  /** Called once, by the queue module. */
  register(lookup: CheckInLookup): void {
    this.lookup = lookup;
  }

  /** Without a queue module nothing can have checked in. */
  hasCheckedIn(appointmentId: number, tx?: Transaction): Promise<boolean> {
    return this.lookup ? this.lookup(appointmentId, tx) : Promise.resolve(false);
  }
}
