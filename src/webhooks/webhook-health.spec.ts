import { DEACTIVATE_AFTER_MS, healthAfterCall, WebhookHealth } from './webhook-health';

const HOUR = 60 * 60_000;
const T0 = Date.UTC(2026, 6, 28, 8);
const healthy: WebhookHealth = { failingSince: null, deactivatedAt: null };

describe(healthAfterCall.name, () => {
  const sut = healthAfterCall;

  it.each<[string, WebhookHealth, boolean, number, WebhookHealth]>([
    ['a success keeps a healthy endpoint healthy', healthy, true, T0, healthy],
    ['a first failure starts the failing period', healthy, false, T0, { failingSince: T0, deactivatedAt: null }],
    [
      'a later failure keeps its start',
      { failingSince: T0, deactivatedAt: null },
      false,
      T0 + HOUR,
      { failingSince: T0, deactivatedAt: null },
    ],
    ['a success ends the failing period', { failingSince: T0, deactivatedAt: null }, true, T0 + 70 * HOUR, healthy],
    [
      'a failure just short of 3 days does not deactivate',
      { failingSince: T0, deactivatedAt: null },
      false,
      T0 + DEACTIVATE_AFTER_MS - 1,
      { failingSince: T0, deactivatedAt: null },
    ],
    [
      'a failure 3 days into the period deactivates',
      { failingSince: T0, deactivatedAt: null },
      false,
      T0 + DEACTIVATE_AFTER_MS,
      { failingSince: T0, deactivatedAt: T0 + DEACTIVATE_AFTER_MS },
    ],
    [
      'a failure later still deactivates at that failure',
      { failingSince: T0, deactivatedAt: null },
      false,
      T0 + 5 * DEACTIVATE_AFTER_MS,
      { failingSince: T0, deactivatedAt: T0 + 5 * DEACTIVATE_AFTER_MS },
    ],
    [
      'a failed ping to an inactive endpoint leaves it inactive as it was',
      { failingSince: T0, deactivatedAt: T0 + DEACTIVATE_AFTER_MS },
      false,
      T0 + 10 * DEACTIVATE_AFTER_MS,
      { failingSince: T0, deactivatedAt: T0 + DEACTIVATE_AFTER_MS },
    ],
    [
      'a successful ping makes an inactive endpoint active',
      { failingSince: T0, deactivatedAt: T0 + DEACTIVATE_AFTER_MS },
      true,
      T0 + 4 * DEACTIVATE_AFTER_MS,
      healthy,
    ],
  ])('%s', (_case, health, succeeded, now, expected) => {
    expect(sut(health, succeeded, now)).toEqual(expected);
  });

  it('is 3 days', () => {
    expect(DEACTIVATE_AFTER_MS).toBe(72 * HOUR);
  });
});
