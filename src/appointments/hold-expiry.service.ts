import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/domain-events';
import { holdsConfig } from '../config/namespaces';
import { Transaction } from '../database/database.service';
import { appointmentFacts } from './appointment-facts';
import { AppointmentReminders } from './appointment-reminders';
import { AppointmentsRepository } from './appointments.repository';
import { AppointmentEntity } from './entities/appointment.entity';
import { toAppointmentView } from './appointment-view';
import { WebhookEvents } from '../webhooks/webhook-events.service';

/**
 * Records lapsed holds: a pending appointment whose hold expired is marked `expired` by one atomic
 * update, and whoever's update changed the row tells `appointment.expired`, so each lapse is told
 * once, whether the sweeper or a link pressed too late noticed it first, on whichever process.
 */
@Injectable()
export class HoldExpiryService {
  constructor(
    private readonly appointments: AppointmentsRepository,
    private readonly reminders: AppointmentReminders,
    private readonly events: DomainEvents,
    private readonly webhooks: WebhookEvents,
    private readonly clock: Clock,
    @Inject(holdsConfig.KEY) private readonly settings: ConfigType<typeof holdsConfig>,
  ) {}

  /** Marks up to one batch of lapsed holds expired; answers how many this call marked. */
  async sweep(): Promise<number> {
    const now = this.clock.nowMs();
    const expired = await this.appointments.expireLapsed(now, this.settings.sweepBatchSize, (tx, rows) =>
      this.dropHoldReminders(tx, rows, now),
    );
    await this.tell(expired, now);
    return expired.length;
  }

  /** Marks this appointment expired if its hold has lapsed and nobody marked it yet; answers whether this call did. */
  async expire(appointmentId: number): Promise<boolean> {
    const now = this.clock.nowMs();
    const expired = await this.appointments.expire(appointmentId, now, (tx, rows) => this.dropHoldReminders(tx, rows, now));
    await this.tell(expired ? [expired] : [], now);
    return expired !== null;
  }

  /** A hold reminder not sent before the lapse has nothing left to remind of; the lapse is told to the webhooks with it. */
  private async dropHoldReminders(tx: Transaction, expired: AppointmentEntity[], now: number): Promise<void> {
    for (const appointment of expired) {
      await this.reminders.dropHoldReminder(tx, appointment.id);
      await this.webhooks.record(
        tx,
        'appointment.expired',
        { providerId: appointment.providerId, appointmentId: appointment.id },
        toAppointmentView(appointment, now),
      );
    }
  }

  private async tell(expired: AppointmentEntity[], noticedAt: number): Promise<void> {
    for (const appointment of expired) {
      await this.events.emit('appointment.expired', { ...appointmentFacts(appointment), expiresAt: appointment.expiresAt, noticedAt });
    }
  }
}
