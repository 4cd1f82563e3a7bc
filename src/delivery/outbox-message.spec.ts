import { afterFailure, DeliveryError, RETRY_CAP_MS, RETRY_WINDOW_MS, retryDelayMs } from './outbox-message';

describe('retryDelayMs', () => {
  it.each([
    // attempts, random, delay
    [1, 0, 1_000],
    [1, 1, 2_000],
    [2, 0, 2_000],
    [2, 1, 4_000],
    [3, 0.5, 6_000],
    [9, 1, 512_000],
    [10, 0, RETRY_CAP_MS / 2],
    [10, 1, RETRY_CAP_MS],
    [1_000, 1, RETRY_CAP_MS],
  ])('after %i tries with random %d waits %i ms', (attempts, random, delay) => {
    expect(retryDelayMs(attempts, random)).toBe(delay);
  });

  it('retries first within 5 s', () => {
    expect(retryDelayMs(1, 0.999)).toBeLessThanOrEqual(5_000);
  });

  it('keeps retrying for at least a day before its retries would have run out', () => {
    let elapsed = 0;
    let attempts = 1;
    for (; elapsed < RETRY_WINDOW_MS; attempts++) elapsed += retryDelayMs(attempts, 0);
    expect(attempts).toBeGreaterThan(90);
  });
});

describe('afterFailure', () => {
  const dueAt = Date.parse('2030-01-01T00:00:00Z');

  it.each([
    ['a transient error', new Error('ECONNREFUSED'), dueAt + 1_000, 'queued'],
    ['a retryable delivery error', new DeliveryError('421 try later', false), dueAt + 1_000, 'queued'],
    ['a permanent delivery error', new DeliveryError('550 no such user', true), dueAt + 1_000, 'failed'],
    ['a transient error a day after it was due', new Error('ECONNREFUSED'), dueAt + RETRY_WINDOW_MS, 'failed'],
    ['a transient error just inside the day', new Error('ECONNREFUSED'), dueAt + RETRY_WINDOW_MS - 1, 'queued'],
  ])('%s → %s', (_, error, now, status) => {
    expect(afterFailure({ attempts: 1, dueAt }, error, now, 0.5).status).toBe(status);
  });

  it('schedules the next try by the back-off', () => {
    expect(afterFailure({ attempts: 3, dueAt }, new Error('down'), dueAt + 10, 0)).toEqual({
      status: 'queued',
      nextAttemptAt: dueAt + 10 + 4_000,
    });
  });
});
