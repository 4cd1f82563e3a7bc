/** Every event a webhook may subscribe to, in the contract's order; `ping` is what `POST …/test` sends. */
export const WEBHOOK_EVENTS = [
  'appointment.requested',
  'appointment.confirmed',
  'appointment.cancelled',
  'appointment.rescheduled',
  'appointment.expired',
  'queue.called',
  'waitlist.offered',
  'ping',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export function isWebhookEvent(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WEBHOOK_EVENTS as readonly string[]).includes(value);
}
