import type { WebhookEventType } from './webhook-events';

/** A subscription as stored. */
export interface WebhookEntity {
  id: number;
  url: string;
  events: WebhookEventType[];
  /** Null: every provider's events (the administrator's). */
  providerId: number | null;
  secret: string;
  createdAt: number;
  failingSince: number | null;
  deactivatedAt: number | null;
}

export type NewWebhook = Omit<WebhookEntity, 'id' | 'failingSince' | 'deactivatedAt'>;
