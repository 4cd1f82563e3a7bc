import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Transaction } from '../database/database.service';
import { NewMessage } from '../delivery/outbox-message';
import { Outbox } from '../delivery/outbox.service';
import { WebhookEventType } from './webhook-events';
import { WebhookEntity } from './webhook.entity';
import { WebhooksRepository } from './webhooks.repository';

/** What an event is about, besides its data. */
export interface WebhookEventSubject {
  providerId: number;
  /** The appointment it concerns, so that its calls are listed with its other messages. */
  appointmentId?: number | null;
}

/**
 * Turns a change into webhook calls, in the change's own transaction: one outbox message per active
 * subscription of the provider (or of every provider) to the event, with the body fixed now.
 */
@Injectable()
export class WebhookEvents {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  /** Writes the calls of one event: `data` is the appointment, queue entry or waitlist entry as the API shows it. */
  async record(tx: Transaction, type: WebhookEventType, subject: WebhookEventSubject, data: unknown): Promise<void> {
    const messages = await this.messagesFor(tx, type, subject, data);
    if (messages.length > 0) await this.outbox.add(tx, ...messages);
  }

  /**
   * The calls of one event, for a change that adds other messages too: given to the same
   * `Outbox.add`, they cost the transaction one read and no write of its own.
   */
  async messagesFor(tx: Transaction, type: WebhookEventType, subject: WebhookEventSubject, data: unknown): Promise<NewMessage[]> {
    const subscribed = (await this.webhooks.activeFor(tx, subject.providerId)).filter((webhook) => webhook.events.includes(type));
    if (subscribed.length === 0) return [];
    const body = JSON.stringify({ type, timestamp: new Date(this.clock.nowMs()).toISOString(), data });
    return subscribed.map((webhook) => callOf(webhook, type, body, subject.appointmentId ?? null));
  }

  /** A test call to one subscription, whatever it subscribed to. */
  pingOf(webhook: WebhookEntity): NewMessage {
    const body = JSON.stringify({
      type: 'ping',
      timestamp: new Date(this.clock.nowMs()).toISOString(),
      data: { webhook_id: webhook.id },
    });
    return callOf(webhook, 'ping', body, null);
  }
}

function callOf(webhook: WebhookEntity, type: WebhookEventType, body: string, appointmentId: number | null): NewMessage {
  return {
    channel: 'webhook',
    kind: 'webhook',
    appointmentId,
    // The subscription's owner sees the call in GET /api/deliveries (the administrator's own: null).
    providerId: webhook.providerId,
    payload: { to: webhook.url, webhookId: webhook.id, type, body },
  };
}
