import { Transaction } from '../../../src/database/database.service';
import { DeliveryKind, EmailPayload, NewMessage } from '../../../src/delivery/outbox-message';
import { Outbox } from '../../../src/delivery/outbox.service';
import { PublicSurface } from './public-surface';

/** What the in-memory repositories hand to `also`: the fakes have no transactions to join. */
export const FAKE_TRANSACTION = new Transaction(undefined as never);

/** Keeps every message added, in order, instead of writing it to a table for the workers. */
export class RecordingOutbox implements PublicSurface<Outbox> {
  readonly messages: NewMessage[] = [];

  async add(_tx: Transaction, ...messages: NewMessage[]): Promise<void> {
    this.messages.push(...structuredClone(messages));
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
