import { ConfirmationLinkMail, ConfirmationMail, MailService, QueueNoticeMail } from '../../../src/mail/mail.service';
import { PublicSurface } from './public-surface';

/** Keeps every message instead of sending it; a spec makes a send fail with jest.spyOn(...).mockRejectedValueOnce. */
export class RecordingMailService implements PublicSurface<MailService> {
  readonly confirmationLinks: ConfirmationLinkMail[] = [];
  readonly confirmations: ConfirmationMail[] = [];
  readonly queueNotices: QueueNoticeMail[] = [];

  async sendConfirmationLink(mail: ConfirmationLinkMail): Promise<void> {
    this.confirmationLinks.push(mail);
  }

  async sendConfirmation(mail: ConfirmationMail): Promise<void> {
    this.confirmations.push(mail);
  }

  async sendQueueNotice(mail: QueueNoticeMail): Promise<void> {
    this.queueNotices.push(mail);
  }

  /** The token of the last confirmation link mailed for this appointment. */
  tokenFor(appointmentId: number): string {
    const mail = this.confirmationLinks.filter((m) => m.appointmentId === appointmentId).at(-1);
    if (!mail) throw new Error(`No confirmation link mailed for appointment ${appointmentId}`);
    return new URL(mail.link).searchParams.get('token')!;
  }
}
