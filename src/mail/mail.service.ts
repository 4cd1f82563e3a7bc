import { MailerService } from '@nestjs-modules/mailer';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import Handlebars from 'handlebars';
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope } from 'nodemailer/lib/mailer';
import { Clock } from '../common/clock';
import { OUTBOX_LOG_CONTEXT } from '../common/redacting-logger';
import { isPlainEmailAddress } from '../common/validators';
import { withTimeout } from '../common/timeout';
import { outboxCopyName } from '../delivery/outbox-folder';
import { DeliveryError, EmailPayload } from '../delivery/outbox-message';
import { mailConfig } from '../config/namespaces';
import { CalendarMethod } from './ics';

export interface AppointmentMailFacts {
  to: string;
  clientName: string;
  providerName: string;
  appointmentId: number;
  date: string;
  startTime: string;
  endTime: string;
  timeZone: string;
  /** `{PUBLIC_URL}/api/manage?token=…`: where the client cancels or moves a confirmed appointment. */
  manageLink?: string;
}

export interface ConfirmationLinkMail extends AppointmentMailFacts {
  link: string;
  expiresAt: string;
}

export interface ConfirmationMail extends AppointmentMailFacts {
  ics: string;
}

/** A confirmed appointment's reminder, `leadMinutes` before it starts. */
export interface ReminderMail extends AppointmentMailFacts {
  leadMinutes: number;
}

/** A confirmed appointment moved to another time: the client's mail, with the updated calendar file. */
export interface RescheduleMail extends AppointmentMailFacts {
  previousDate: string;
  previousStartTime: string;
  previousEndTime: string;
  /** The calendar file of the new time: the same UID, a higher SEQUENCE. */
  ics: string;
  /** The appointment's manage page, when the caller has one to give; left out, the mail has no such link. */
  manageLink?: string;
}

/** A cancellation, told to the party that did not cancel. `to` is that party's address. */
export interface CancellationMail extends AppointmentMailFacts {
  /** The client (its provider or the administrator cancelled) or the provider (its client did). */
  recipient: 'client' | 'provider';
  reason: string | null;
  /** The cancelling calendar file (METHOD:CANCEL) of an appointment that was confirmed; a pending hold was in no calendar. */
  ics?: string;
}

/** The live queue's notice to a client without a phone: it is their turn, or they are next. */
export interface QueueNoticeMail {
  to: string;
  clientName: string;
  providerName: string;
  date: string;
  /** "It's your turn", "you're next", or "N ahead of you" (`ahead` says how many). */
  kind: 'turn' | 'next' | 'ahead';
  /** For "you're next" and "N ahead": the minutes they are likely to wait still. */
  waitMinutes: number | null;
  /** For "N ahead": how many are ahead. */
  ahead?: number;
}

/** The link that joins a walk-in queue remotely once its button is pressed. */
export interface QueueJoinMail {
  to: string;
  name: string;
  providerName: string;
  link: string;
  /** When the link stops joining, as the provider's wall clock says it. */
  expiresAt: string;
}

type Template = HandlebarsTemplateDelegate<object>;

function loadTemplate(name: string): Template {
  // Plain-text parts must not be HTML-escaped: an escaped "=" would break the link a person copies.
  const noEscape = name.endsWith('.text.hbs');
  return Handlebars.compile(readFileSync(join(__dirname, 'templates', name), 'utf8'), { strict: true, noEscape });
}

/**
 * The only code that writes and sends mail. Messages are rendered when the change that causes them
 * is written (they go into the outbox with it) and sent later by the outbox worker through `deliver`.
 * Without SMTP_URL each message is written to the outbox folder.
 */
@Injectable()
export class MailService {
  private readonly outboxLogger = new Logger(OUTBOX_LOG_CONTEXT);
  private readonly templates = {
    confirmationLinkHtml: loadTemplate('validation.html.hbs'),
    confirmationLinkText: loadTemplate('validation.text.hbs'),
    confirmationHtml: loadTemplate('confirmation.html.hbs'),
    confirmationText: loadTemplate('confirmation.text.hbs'),
    holdReminderHtml: loadTemplate('hold-reminder.html.hbs'),
    holdReminderText: loadTemplate('hold-reminder.text.hbs'),
    reminderHtml: loadTemplate('reminder.html.hbs'),
    reminderText: loadTemplate('reminder.text.hbs'),
    rescheduleHtml: loadTemplate('reschedule.html.hbs'),
    rescheduleText: loadTemplate('reschedule.text.hbs'),
    cancellationHtml: loadTemplate('cancellation.html.hbs'),
    cancellationText: loadTemplate('cancellation.text.hbs'),
    queueNoticeHtml: loadTemplate('queue-notice.html.hbs'),
    queueNoticeText: loadTemplate('queue-notice.text.hbs'),
    queueJoinHtml: loadTemplate('queue-join.html.hbs'),
    queueJoinText: loadTemplate('queue-join.text.hbs'),
  };
  private outboxReady: Promise<unknown> | undefined;
  private readonly senderDomain: string;

  constructor(
    private readonly mailer: MailerService,
    @Inject(mailConfig.KEY) private readonly config: ConfigType<typeof mailConfig>,
    private readonly clock: Clock,
  ) {
    this.senderDomain = config.from.address.split('@').pop() || 'localhost';
  }

  confirmationLinkMail(mail: ConfirmationLinkMail): EmailPayload {
    return {
      to: mail.to,
      toName: mail.clientName,
      subject: `Confirm your appointment on ${mail.date} at ${mail.startTime}`,
      html: this.templates.confirmationLinkHtml(mail),
      text: this.templates.confirmationLinkText(mail),
      link: mail.link,
    };
  }

  /** A waitlist's offer: the validation email of a request, saying the time opened up for the client waiting. */
  waitlistOfferMail(mail: ConfirmationLinkMail): EmailPayload {
    return { ...this.confirmationLinkMail(mail), subject: `A time opened up: confirm ${mail.date} at ${mail.startTime}` };
  }

  confirmationMail(mail: ConfirmationMail): EmailPayload {
    return {
      to: mail.to,
      toName: mail.clientName,
      subject: `Appointment confirmed: ${mail.date} at ${mail.startTime}`,
      html: this.templates.confirmationHtml(mail),
      text: this.templates.confirmationText(mail),
      attachments: [calendarAttachment(mail.ics, 'REQUEST')],
    };
  }

  /** The nudge to a hold still pending shortly before it lapses: the same link as the first mail. */
  holdReminderMail(mail: ConfirmationLinkMail): EmailPayload {
    return {
      to: mail.to,
      toName: mail.clientName,
      subject: `Still to confirm: your appointment on ${mail.date} at ${mail.startTime}`,
      html: this.templates.holdReminderHtml(mail),
      text: this.templates.holdReminderText(mail),
      link: mail.link,
    };
  }

  reminderMail(mail: ReminderMail): EmailPayload {
    const facts = { ...mail, startsIn: durationInWords(mail.leadMinutes) };
    return {
      to: mail.to,
      toName: mail.clientName,
      subject: `Reminder: your appointment on ${mail.date} at ${mail.startTime}`,
      html: this.templates.reminderHtml(facts),
      text: this.templates.reminderText(facts),
    };
  }

  rescheduleMail(mail: RescheduleMail): EmailPayload {
    // The templates are strict: a fact left out is null, not missing.
    const facts = { ...mail, manageLink: mail.manageLink ?? null };
    return {
      to: mail.to,
      toName: mail.clientName,
      subject: `Appointment moved: now ${mail.date} at ${mail.startTime}`,
      html: this.templates.rescheduleHtml(facts),
      text: this.templates.rescheduleText(facts),
      attachments: [calendarAttachment(mail.ics, 'REQUEST')],
    };
  }

  cancellationMail(mail: CancellationMail): EmailPayload {
    const toProvider = mail.recipient === 'provider';
    const facts = {
      ...mail,
      toProvider,
      recipientName: toProvider ? mail.providerName : mail.clientName,
      confirmed: mail.ics !== undefined,
    };
    return {
      to: mail.to,
      toName: facts.recipientName,
      subject: toProvider
        ? `Appointment cancelled by ${mail.clientName}: ${mail.date} at ${mail.startTime}`
        : `Appointment cancelled: ${mail.date} at ${mail.startTime}`,
      html: this.templates.cancellationHtml(facts),
      text: this.templates.cancellationText(facts),
      ...(mail.ics !== undefined ? { attachments: [calendarAttachment(mail.ics, 'CANCEL')] } : {}),
    };
  }

  queueNoticeMail(mail: QueueNoticeMail): EmailPayload {
    const facts = { ...mail, turn: mail.kind === 'turn', next: mail.kind === 'next', onlyOneAhead: mail.ahead === 1 };
    const subjects = {
      turn: `It's your turn: ${mail.providerName} is ready for you`,
      next: `You're next in line for ${mail.providerName}`,
      ahead: `${mail.ahead} ahead of you in line for ${mail.providerName}`,
    };
    return {
      to: mail.to,
      toName: mail.clientName,
      subject: subjects[mail.kind],
      html: this.templates.queueNoticeHtml(facts),
      text: this.templates.queueNoticeText(facts),
    };
  }

  queueJoinMail(mail: QueueJoinMail): EmailPayload {
    return {
      to: mail.to,
      toName: mail.name,
      subject: `Join the queue of ${mail.providerName}`,
      html: this.templates.queueJoinHtml(mail),
      text: this.templates.queueJoinText(mail),
      link: mail.link,
    };
  }

  /**
   * Sends one rendered message under the `Message-ID` made of `messageKey`, the same on every retry.
   * Rejects with a DeliveryError, permanent when the server refused the recipient or the message
   * (a 5xx reply to RCPT TO or DATA), or when the address on record is not a plain one.
   *
   * Addresses are handed to nodemailer as objects, which it takes as they are, and the SMTP envelope
   * is given explicitly: a recipient is never re-parsed out of text, so no address or name can turn
   * into another recipient or another header. nodemailer still rewrites an address object that is not
   * a plain address (it drops `<`, `>` and control characters and splits at the last `@`), so such an
   * address, which the API refuses but an older row may hold, is refused here before any connection.
   */
  async deliver({ to, toName, link, ...message }: EmailPayload, messageKey: string): Promise<void> {
    if (!isPlainEmailAddress(to)) {
      throw new DeliveryError(
        'The recipient on record is not a plain email address (local-part, at sign, domain); no mail can go to it',
        true,
      );
    }
    // nodemailer's types allow only text in the envelope, but it takes address objects there too.
    const envelope = { from: { name: '', address: this.config.from.address }, to: [{ name: '', address: to }] } as unknown as Envelope;
    let info: { message?: unknown };
    try {
      // The transport destroys a stalled connection at the same deadline; this one also covers what comes before it.
      info = (await withTimeout(
        this.mailer.sendMail({
          ...message,
          messageId: `<${messageKey}@${this.senderDomain}>`,
          from: this.config.from,
          to: { name: toName, address: to },
          envelope,
        }),
        this.config.outboundTimeoutMs,
      )) as { message?: unknown };
    } catch (error) {
      throw toDeliveryError(error);
    }
    if (!this.config.smtpUrl && Buffer.isBuffer(info.message)) {
      this.outboxReady ??= mkdir(this.config.outboxDir, { recursive: true });
      await this.outboxReady;
      await writeFile(join(this.config.outboxDir, outboxCopyName(this.clock.nowMs(), messageKey, '.eml')), info.message);
    }
    if (link && this.config.logLinks) {
      // Only in outbox mode (no SMTP_URL): a developer on a bare machine needs the link.
      this.outboxLogger.log(`Confirmation link mailed (${message.subject}): ${link}`);
    }
  }
}

/** The calendar file as mail clients look for it: its method in the content type too (RFC 6047). */
function calendarAttachment(ics: string, method: CalendarMethod): NonNullable<EmailPayload['attachments']>[number] {
  return { filename: 'appointment.ics', content: ics, contentType: `text/calendar; charset=utf-8; method=${method}` };
}

/** A lead time as a person says it: "2 days", "1 hour", "90 minutes". */
export function durationInWords(minutes: number): string {
  const [count, unit] = minutes % 1440 === 0 ? [minutes / 1440, 'day'] : minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** SMTP replies that no retry can change: the server refused this recipient or this message. */
const REFUSING_COMMANDS = new Set(['RCPT TO', 'DATA']);

function toDeliveryError(error: unknown): DeliveryError {
  const { responseCode, command, message } = error as { responseCode?: unknown; command?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const permanent = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && REFUSING_COMMANDS.has(String(command));
  return new DeliveryError(`The mail server did not take the message: ${text}`, permanent);
}
