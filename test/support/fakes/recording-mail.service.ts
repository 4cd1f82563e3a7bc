import { ConfirmationMail, MailService, QueueNoticeMail, ValidationMail } from '../../../src/mail/mail.service';
import { PublicSurface } from './public-surface';

/** Keeps every message instead of sending it; a spec makes a send fail with jest.spyOn(...).mockRejectedValueOnce. */
export class RecordingMailService implements PublicSurface<MailService> {
  readonly validations: ValidationMail[] = [];
  readonly confirmations: ConfirmationMail[] = [];
  readonly queueNotices: QueueNoticeMail[] = [];

  async sendValidation(mail: ValidationMail): Promise<void> {
    this.validations.push(mail);
  }

  async sendConfirmation(mail: ConfirmationMail): Promise<void> {
    this.confirmations.push(mail);
  }

  async sendQueueNotice(mail: QueueNoticeMail): Promise<void> {
    this.queueNotices.push(mail);
  }

  /** The token of the last validation link mailed for this appointment. */
  tokenFor(appointmentId: number): string {
    const mail = this.validations.filter((m) => m.appointmentId === appointmentId).at(-1);
    if (!mail) throw new Error(`No validation mail for appointment ${appointmentId}`);
    return new URL(mail.link).searchParams.get('token')!;
  }
}
