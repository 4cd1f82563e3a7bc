import { MailerService } from '@nestjs-modules/mailer';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import Handlebars from 'handlebars';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope } from 'nodemailer/lib/mailer';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { OUTBOX_LOG_CONTEXT } from '../common/redacting-logger';
import { isPlainEmailAddress } from '../common/validators';
import { withTimeout } from '../common/timeout';
import { mailConfig } from '../config/namespaces';

export interface AppointmentMailFacts {
  to: string;
  clientName: string;
  providerName: string;
  appointmentId: number;
  date: string;
  startTime: string;
  endTime: string;
  timeZone: string;
}

export interface ConfirmationLinkMail extends AppointmentMailFacts {
  link: string;
  expiresAt: string;
}

export interface ConfirmationMail extends AppointmentMailFacts {
  ics: string;
}

/** The live queue's notice to a client without a phone: it is their turn, or they are next. */
export interface QueueNoticeMail {
  to: string;
  clientName: string;
  providerName: string;
  date: string;
  kind: 'turn' | 'next';
  /** For "you're next": the minutes they are likely to wait still. */
  waitMinutes: number | null;
}

type Template = HandlebarsTemplateDelegate<object>;

/** One message to one person, addressed by the mail service itself. */
interface OutgoingMail extends Omit<Parameters<MailerService['sendMail']>[0], 'to' | 'from' | 'envelope'> {
  to: string;
  toName: string;
}

function loadTemplate(name: string): Template {
  // Plain-text parts must not be HTML-escaped: an escaped "=" would break the link a person copies.
  const noEscape = name.endsWith('.text.hbs');
  return Handlebars.compile(readFileSync(join(__dirname, 'templates', name), 'utf8'), { strict: true, noEscape });
}

/** The only code that sends mail. Without SMTP_URL each message is written to the outbox folder. */
@Injectable()
export class MailService {
  private readonly logger = new Logger(MailService.name);
  private readonly outboxLogger = new Logger(OUTBOX_LOG_CONTEXT);
  private readonly templates = {
    confirmationLinkHtml: loadTemplate('validation.html.hbs'),
    confirmationLinkText: loadTemplate('validation.text.hbs'),
    confirmationHtml: loadTemplate('confirmation.html.hbs'),
    confirmationText: loadTemplate('confirmation.text.hbs'),
    queueNoticeHtml: loadTemplate('queue-notice.html.hbs'),
    queueNoticeText: loadTemplate('queue-notice.text.hbs'),
  };
  private outboxReady: Promise<unknown> | undefined;

  constructor(
    private readonly mailer: MailerService,
    @Inject(mailConfig.KEY) private readonly config: ConfigType<typeof mailConfig>,
    private readonly clock: Clock,
  ) {}

  async sendConfirmationLink(mail: ConfirmationLinkMail): Promise<void> {
    await this.send({
      to: mail.to,
      toName: mail.clientName,
      subject: `Confirm your appointment on ${mail.date} at ${mail.startTime}`,
      html: this.templates.confirmationLinkHtml(mail),
      text: this.templates.confirmationLinkText(mail),
    });
    if (this.config.logLinks) {
      // Only in outbox mode (no SMTP_URL): a developer on a bare machine needs the link.
      this.outboxLogger.log(`Validation link for appointment ${mail.appointmentId}: ${mail.link}`);
    }
  }

  async sendConfirmation(mail: ConfirmationMail): Promise<void> {
    await this.send({
      to: mail.to,
      toName: mail.clientName,
      subject: `Appointment confirmed: ${mail.date} at ${mail.startTime}`,
      html: this.templates.confirmationHtml(mail),
      text: this.templates.confirmationText(mail),
      attachments: [{ filename: 'appointment.ics', content: mail.ics, contentType: 'text/calendar; charset=utf-8; method=REQUEST' }],
    });
  }

  async sendQueueNotice(mail: QueueNoticeMail): Promise<void> {
    const facts = { ...mail, turn: mail.kind === 'turn' };
    await this.send({
      to: mail.to,
      toName: mail.clientName,
      subject:
        mail.kind === 'turn' ? `It's your turn: ${mail.providerName} is ready for you` : `You're next in line for ${mail.providerName}`,
      html: this.templates.queueNoticeHtml(facts),
      text: this.templates.queueNoticeText(facts),
    });
  }

  /**
   * Addresses are handed to nodemailer as objects, which it takes as they are, and the SMTP envelope
   * is given explicitly: a recipient is never re-parsed out of text, so no address or name can turn
   * into another recipient or another header.
   *
   * nodemailer still rewrites an address object that is not a plain address (it drops `<`, `>` and
   * control characters and splits at the last `@`), so such an address, which the API refuses but an
   * older row may hold, is refused here before any connection.
   */
  private async send({ to, toName, ...message }: OutgoingMail): Promise<void> {
    if (!isPlainEmailAddress(to)) {
      this.logger.warn('Mail not sent: the recipient on record is not a plain email address');
      throw AppError.field('email', 'The email address on record is not a plain address such as grace@example.com; no mail can go to it');
    }
    // nodemailer's types allow only text in the envelope, but it takes address objects there too.
    const envelope = { from: { name: '', address: this.config.from.address }, to: [{ name: '', address: to }] } as unknown as Envelope;
    let info: { message?: unknown };
    try {
      // The transport destroys a stalled connection at the same deadline; this one also covers what comes before it.
      info = (await withTimeout(
        this.mailer.sendMail({ ...message, from: this.config.from, to: { name: toName, address: to }, envelope }),
        this.config.outboundTimeoutMs,
      )) as { message?: unknown };
    } catch (error) {
      this.logger.warn(`Mail could not be sent: ${error instanceof Error ? error.message : String(error)}`);
      throw new AppError('UNAVAILABLE', 'The mail server did not accept the message; nothing was changed');
    }
    if (!this.config.smtpUrl && Buffer.isBuffer(info.message)) {
      this.outboxReady ??= mkdir(this.config.outboxDir, { recursive: true });
      await this.outboxReady;
      await writeFile(join(this.config.outboxDir, `${this.clock.nowMs()}-${randomUUID()}.eml`), info.message);
    }
  }
}
