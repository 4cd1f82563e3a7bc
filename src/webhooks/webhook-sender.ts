import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import type { WebhookPayload } from '../delivery/outbox-message';
import { WebhookCallError, WebhookCaller } from './webhook-caller';
import { healthAfterCall } from './webhook-health';
import { signWebhook } from './webhook-signature';
import { WebhooksRepository } from './webhooks.repository';

/**
 * Makes one try of a webhook call for the outbox: reads the subscription as it is now (a deleted or
 * deactivated one is not called), signs the body with the current time, posts it, and keeps the
 * endpoint's health. The webhook-id is the message's key, the same on every try.
 */
@Injectable()
export class WebhookSender {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly caller: WebhookCaller,
    private readonly clock: Clock,
  ) {}

  async send(payload: WebhookPayload, messageKey: string): Promise<void> {
    const webhook = await this.webhooks.findById(payload.webhookId);
    if (!webhook) throw new WebhookCallError('Not sent: the webhook was deleted', false);
    // A test ping alone goes to an inactive endpoint: its success makes the endpoint active again.
    if (webhook.deactivatedAt !== null && payload.type !== 'ping') {
      throw new WebhookCallError('Not sent: the webhook was deactivated after failing every call for 3 days', false);
    }
    const now = this.clock.nowMs();
    const timestamp = Math.floor(now / 1000);
    let failure: Error | undefined;
    try {
      await this.caller.post(
        webhook.url,
        {
          'user-agent': 'Scheduler-Webhooks/1',
          'webhook-id': messageKey,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(webhook.secret, messageKey, timestamp, payload.body),
        },
        payload.body,
      );
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    const health = { failingSince: webhook.failingSince, deactivatedAt: webhook.deactivatedAt };
    const next = healthAfterCall(health, failure === undefined, now);
    if (next.failingSince !== health.failingSince || next.deactivatedAt !== health.deactivatedAt) {
      if (health.deactivatedAt === null && next.deactivatedAt !== null) {
        this.logger.warn(`Webhook ${webhook.id} deactivated: every call has failed since ${new Date(next.failingSince!).toISOString()}`);
      }
      // The call's outcome stands whether or not its health is recorded; the next call records it.
      await this.webhooks.updateHealth(webhook.id, health, next).catch((error: unknown) => {
        this.logger.warn(`Health of webhook ${webhook.id} not recorded: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    if (failure !== undefined) throw failure;
  }
}
