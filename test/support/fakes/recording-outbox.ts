import { Transaction } from '../../../src/database/database.service';
import { DeliveryKind, EmailPayload, NewMessage } from '../../../src/delivery/outbox-message';
import { Outbox } from '../../../src/delivery/outbox.service';
import { DeliveryView } from '../../../src/delivery/dto/delivery.dto';
import { maskRecipient } from '../../../src/delivery/recipient-mask';
import { PublicSurface } from './public-surface';

/** What the in-memory repositories hand to `also`: the fakes have no transactions to join. */
export const FAKE_TRANSACTION = new Transaction(undefined as never);

/** Keeps every message added, in order, instead of writing it to a table for the workers. */
export class RecordingOutbox implements PublicSurface<Outbox> {
  readonly messages: NewMessage[] = [];

  async add(_tx: Transaction, ...messages: NewMessage[]): Promise<void> {
    this.messages.push(...structuredClone(messages));
  }

  async addOne(tx: Transaction, message: NewMessage): Promise<DeliveryView> {
    await this.add(tx, message);
    const id = this.messages.length;
    return {
      id,
      channel: message.channel,
      kind: message.kind,
      appointment_id: message.appointmentId ?? null,
      recipient: maskRecipient(message.channel, message.payload.to),
      status: 'queued',
      attempts: 0,
      last_error: null,
      next_attempt_at: new Date(0).toISOString(),
      created_at: new Date(0).toISOString(),
      sent_at: null,
    };
  }

  async dropWebhookCalls(_tx: Transaction, webhookId: number): Promise<void> {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i];
      if (message.channel === 'webhook' && message.payload.webhookId === webhookId) this.messages.splice(i, 1);
    }
  }

  /** The webhook calls written so far, their bodies parsed. */
  webhookCalls(): { webhookId: number; appointmentId: number | null; body: { type: string; timestamp: string; data: any } }[] {
    return this.messages.flatMap((message) =>
      message.channel === 'webhook'
        ? [{ webhookId: message.payload.webhookId, appointmentId: message.appointmentId ?? null, body: JSON.parse(message.payload.body) }]
        : [],
    );
  }

  async drop(_tx: Transaction, appointmentId: number, kinds: DeliveryKind[]): Promise<void> {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i];
      if (message.appointmentId === appointmentId && kinds.includes(message.kind)) this.messages.splice(i, 1);
    }
  }

  /** The emails of this kind, in order. */
  emails(kind: DeliveryKind): EmailPayload[] {
    return this.messages
      .filter((message) => message.channel === 'email' && message.kind === kind)
      .map((message) => message.payload as EmailPayload);
  }

  /** The token of the last confirmation link written for this appointment. */
  tokenFor(appointmentId: number): string {
    const mail = this.messages
      .filter((m) => (m.kind === 'validation' || m.kind === 'waitlist_offer') && m.appointmentId === appointmentId)
      .at(-1);
    if (!mail || mail.channel !== 'email' || !mail.payload.link)
      throw new Error(`No confirmation link written for appointment ${appointmentId}`);
    return new URL(mail.payload.link).searchParams.get('token')!;
  }
}
