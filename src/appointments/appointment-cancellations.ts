import { Injectable, Logger } from '@nestjs/common';
import { AppointmentEntity } from './entities/appointment.entity';

type CancellationListener = (appointment: AppointmentEntity) => Promise<void>;

/**
 * Who else must know when an appointment is cancelled (the live queue drops its check-in). The
 * appointments module cannot import those modules (they import it), so they register here.
 */
@Injectable()
export class AppointmentCancellations {
  private readonly logger = new Logger(AppointmentCancellations.name);
  private readonly listeners: CancellationListener[] = [];

  onCancelled(listener: CancellationListener): void {
    this.listeners.push(listener);
  }

  /** Runs after the cancellation committed; a listener's failure is logged, not answered. */
  async cancelled(appointment: AppointmentEntity): Promise<void> {
    for (const listener of this.listeners) {
      await listener(appointment).catch((error: unknown) =>
        this.logger.warn(`After cancelling appointment ${appointment.id}: ${String(error)}`),
      );
    }
  }
}
