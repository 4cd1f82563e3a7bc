/** One hit counted: whether it is let through, and what the rate-limit headers say. */
export interface Verdict {
  admitted: boolean;
  limit: number;
  /** At most this many more hits are admitted in the window (with leases, what this process knows of). */
  remaining: number;
  /** Seconds until the window ends, at least 1: `Retry-After` when refused. */
  resetSeconds: number;
}

export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * Counts hits per key in fixed windows (the first hit starts one; it ends `windowMs` later) and admits at
 * most `limit` a window. Never throws: a counter that does not answer lets the hit through.
 * A verdict is returned synchronously whenever no round trip is needed.
 */
export abstract class RateLimiter {
  abstract hit(key: string, limit: number): Verdict | Promise<Verdict>;
}

/** Whole seconds left until `endsAt`, at least 1. */
export function secondsUntil(endsAt: number, now: number): number {
  return Math.max(1, Math.ceil((endsAt - now) / 1000));
}

interface Window {
  hits: number;
  endsAt: number;
}

/** Without REDIS_URL there is one process: a plain counter per key, in memory. */
export class InProcessRateLimiter extends RateLimiter {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt: number;

  /** `now`: a monotonic clock in ms (the window is real time, as Redis's expiry is). */
  constructor(
    private readonly windowMs = RATE_LIMIT_WINDOW_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
    this.nextSweepAt = this.now() + windowMs;
  }

  hit(key: string, limit: number): Verdict {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    let window = this.windows.get(key);
    if (window === undefined || now >= window.endsAt) {
      window = { hits: 0, endsAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    const admitted = window.hits < limit;
    if (admitted) window.hits += 1;
    return { admitted, limit, remaining: limit - window.hits, resetSeconds: secondsUntil(window.endsAt, now) };
  }

  /** How many keys have a window kept (for tests). */
  get size(): number {
    return this.windows.size;
  }

  /** Ended windows go once a window, so memory follows the keys of the last minute or two. */
  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (now >= window.endsAt) this.windows.delete(key);
    this.nextSweepAt = now + this.windowMs;
  }
}
