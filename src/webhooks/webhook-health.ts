/** An endpoint that has failed every call this long is deactivated. */
export const DEACTIVATE_AFTER_MS = 3 * 24 * 60 * 60_000;

/** What a subscription remembers of its endpoint's recent calls. */
export interface WebhookHealth {
  /** The first failure after the last success; null while calls succeed. */
  failingSince: number | null;
  /** When it was deactivated; null while active. */
  deactivatedAt: number | null;
}

/**
 * The health after a call at `now`: a success clears the failures (and, for a test ping, which alone
 * is sent to an inactive endpoint, makes it active again); a failure starts the failing period if
 * none runs, and deactivates the endpoint once that period has lasted DEACTIVATE_AFTER_MS.
 */
export function healthAfterCall(health: WebhookHealth, succeeded: boolean, now: number): WebhookHealth {
  if (succeeded) return { failingSince: null, deactivatedAt: null };
  const failingSince = health.failingSince ?? now;
  const deactivatedAt = health.deactivatedAt ?? (now - failingSince >= DEACTIVATE_AFTER_MS ? now : null);
  return { failingSince, deactivatedAt };
}
