import { Injectable } from '@nestjs/common';
import { MailService } from '../mail/mail.service';
import { SmsSender, SmsSendError } from '../sms/sms-sender';
import { WebhookCallError } from '../webhooks/webhook-caller';
import { WebhookSender } from '../webhooks/webhook-sender';
import { ClaimedMessage, DeliveryError, EmailPayload, SmsPayload, WebhookPayload } from './outbox-message';

/** Sends a claimed message on its channel; rejects with a DeliveryError (permanent or not) when it did not go. */
@Injectable()
export class ChannelSenders {
  constructor(
    private readonly mail: MailService,
    private readonly sms: SmsSender,
    private readonly webhooks: WebhookSender,
  ) {}

  async send(message: ClaimedMessage): Promise<void> {
    let payload: unknown;
    try {
      payload = JSON.parse(message.payload);
    } catch {
      throw new DeliveryError('The stored message is not valid JSON; it cannot be sent', true);
    }
    switch (message.channel) {
      case 'email':
        return this.mail.deliver(payload as EmailPayload, message.messageKey);
      case 'sms': {
        const { to, body } = payload as SmsPayload;
        try {
          return await this.sms.send(to, body, message.messageKey);
        } catch (error) {
          if (error instanceof SmsSendError) throw new DeliveryError(error.message, !error.retryable);
          throw error;
        }
      }
      case 'webhook':
        try {
          return await this.webhooks.send(payload as WebhookPayload, message.messageKey);
        } catch (error) {
          if (error instanceof WebhookCallError) throw new DeliveryError(error.message, !error.retryable);
          throw error;
        }
      default:
        throw new DeliveryError(`No sender for the ${String(message.channel)} channel`, true);
    }
  }
}
