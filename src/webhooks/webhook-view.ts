import { CreatedWebhookView, WebhookView } from './dto/webhook.dto';
import { WebhookEntity } from './webhook.entity';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toWebhookView(webhook: WebhookEntity): WebhookView {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    provider_id: webhook.providerId,
    active: webhook.deactivatedAt === null,
    created_at: iso(webhook.createdAt)!,
    failing_since: iso(webhook.failingSince),
    deactivated_at: iso(webhook.deactivatedAt),
  };
}

/** The answer to a subscription: the view and, this once, the secret. */
export function toCreatedWebhookView(webhook: WebhookEntity): CreatedWebhookView {
  return { ...toWebhookView(webhook), secret: webhook.secret };
}
