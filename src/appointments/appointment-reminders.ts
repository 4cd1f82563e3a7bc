import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock';
import { holdsConfig, remindersConfig } from '../config/namespaces';
import { Transaction } from '../database/database.service';
import { DeliveryKind, NewMessage } from '../delivery/outbox-message';
import { Outbox } from '../delivery/outbox.service';
import { ConfirmationLinkMail, durationInWords, MailService } from '../mail/mail.service';
import { AppointmentEntity } from './entities/appointment.entity';
import { ManageLinks } from './manage-links';

const MINUTE_MS = 60_000;

/** The kinds of message that only make sense while the appointment stands as it was written. */
export const REMINDER_KINDS: DeliveryKind[] = ['reminder', 'hold_reminder'];

export interface ReminderTime {
  leadMinutes: number;
  dueAt: number;
}

/**
 * When a confirmed appointment starting at `startAt` is reminded: once per lead time, at
 * `startAt − lead`, leaving out the lead times already past at `now` (the confirmation serves).
 */
export function reminderTimes(startAt: number, leadMinutes: readonly number[], now: number): ReminderTime[] {
  return leadMinutes.map((lead) => ({ leadMinutes: lead, dueAt: startAt - lead * MINUTE_MS })).filter((time) => time.dueAt > now);
}

/**
 * When a hold lasting from `heldAt` to `expiresAt` gets its reminder: `reminderSeconds` before it
 * lapses, when it lasts more than twice that (a shorter hold's first mail is reminder enough); else null.
 */
export function holdReminderDueAt(heldAt: number, expiresAt: number, reminderSeconds: number): number | null {
  if (reminderSeconds <= 0 || expiresAt - heldAt <= 2 * reminderSeconds * 1000) return null;
  return expiresAt - reminderSeconds * 1000;
}

/** Who an appointment's reminders go to and name. */
export interface ReminderPeople {
  provider: { name: string; timeZone: string };
  client: { name: string; email: string; phone: string | null };
}

/**
 * Writes an appointment's reminders into the outbox, in the transaction of the change that calls for
 * them (a booking, a request), and drops them in the transaction of one that ends their use (a
 * cancellation, a confirmation, a reschedule). Each one's `sendBefore` keeps it from going out late.
 */
@Injectable()
export class AppointmentReminders {
  constructor(
    private readonly outbox: Outbox,
    private readonly mail: MailService,
    private readonly clock: Clock,
    @Inject(remindersConfig.KEY) private readonly settings: ConfigType<typeof remindersConfig>,
    @Inject(holdsConfig.KEY) private readonly holdSettings: ConfigType<typeof holdsConfig>,
    private readonly manageLinks: ManageLinks,
  ) {}

  /** A confirmed appointment's reminders, written in `tx`. */
  async plan(tx: Transaction, appointment: AppointmentEntity, people: ReminderPeople): Promise<void> {
    const messages = this.remindersOf(appointment, people);
    if (messages.length > 0) await this.outbox.add(tx, ...messages);
  }

  /**
   * A confirmed appointment's reminders: an email per lead time still ahead, and a text too when the
   * client has a phone. For a caller that adds them to the outbox with its own messages, in one statement.
   */
  remindersOf(appointment: AppointmentEntity, people: ReminderPeople): NewMessage[] {
    // Signed for the appointment as it stands: a reschedule replaces the reminders, and with them the link.
    const manageLink = this.manageLinks.linkFor(appointment);
    return reminderTimes(appointment.startAt, this.settings.leadMinutes, this.clock.nowMs()).flatMap(
      ({ leadMinutes, dueAt }): NewMessage[] => {
        const about = { kind: 'reminder' as const, appointmentId: appointment.id, providerId: appointment.providerId, dueAt };
        const email: NewMessage = {
          ...about,
          channel: 'email',
          sendBefore: appointment.startAt,
          payload: this.mail.reminderMail({
            to: people.client.email,
            clientName: people.client.name,
            providerName: people.provider.name,
            appointmentId: appointment.id,
            date: appointment.date,
            startTime: appointment.startTime,
            endTime: appointment.endTime,
            timeZone: people.provider.timeZone,
            leadMinutes,
            manageLink,
          }),
        };
        if (!people.client.phone) return [email];
        const body =
          `Reminder: your appointment with ${people.provider.name} is in ${durationInWords(leadMinutes)}, ` +
          `${appointment.date} at ${appointment.startTime} (${people.provider.timeZone}).`;
        return [email, { ...about, channel: 'sms', sendBefore: appointment.startAt, payload: { to: people.client.phone, body } }];
      },
    );
  }

  /** Drops the reminders and the hold reminder not sent yet (a cancellation). */
  drop(tx: Transaction, appointmentId: number): Promise<void> {
    return this.outbox.drop(tx, appointmentId, REMINDER_KINDS);
  }

  /** The reminders of an appointment whose time changed (a reschedule): the old ones go, the new ones follow its new start. */
  async replace(tx: Transaction, appointment: AppointmentEntity, people: ReminderPeople): Promise<void> {
    await this.drop(tx, appointment.id);
    await this.plan(tx, appointment, people);
  }

  /** A pending hold's one reminder, carrying the link of its first mail, if the hold lasts long enough for one. */
  holdReminderOf(appointment: AppointmentEntity, mail: ConfirmationLinkMail): NewMessage[] {
    const dueAt = holdReminderDueAt(appointment.createdAt, appointment.expiresAt, this.holdSettings.reminderSeconds);
    if (dueAt === null) return [];
    const reminder: NewMessage = {
      channel: 'email',
      kind: 'hold_reminder',
      appointmentId: appointment.id,
      providerId: appointment.providerId,
      dueAt,
      sendBefore: appointment.expiresAt,
      payload: this.mail.holdReminderMail(mail),
    };
    return [reminder];
  }

  /** A confirmed hold needs no nudge: its reminder goes, in the booking's transaction. */
  dropHoldReminder(tx: Transaction, appointmentId: number): Promise<void> {
    return this.outbox.drop(tx, appointmentId, ['hold_reminder']);
  }
}
