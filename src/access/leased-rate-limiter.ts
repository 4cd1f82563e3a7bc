import { Logger } from '@nestjs/common';
import { throttledWarning } from '../common/log-throttle';
import { withTimeout } from '../common/timeout';
import type { RedisClientWith } from '../redis/redis-client';
import { MAX_LEASE, nextLeaseSize } from './rate-limit-leases';
import { RATE_LIMIT_SCRIPTS } from './rate-limit-scripts';
import { RATE_LIMIT_WINDOW_MS, RateLimiter, secondsUntil, Verdict } from './rate-limiter';

/** What the shared counter handed out: see leaseGrant (rate-limit-leases.ts). */
export interface LeaseGrant {
  granted: number;
  /** The window's count after this grant: every hit handed out to any process. */
  counted: number;
  windowLeftMs: number;
}

/** The shared counter of every process's windows, taken from in leases. */
export interface LeaseCounter {
  /** In one atomic step: starts `key`'s window if none runs, and takes leaseGrant(counted, want, limit) hits of it. */
  take(key: string, want: number, limit: number, windowMs: number): Promise<LeaseGrant>;
}

/** The counters in Redis (one Lua script a lease), under `{REDIS_PREFIX}rate:`. */
export class RedisLeaseCounter implements LeaseCounter {
  constructor(
    private readonly client: RedisClientWith<typeof RATE_LIMIT_SCRIPTS>,
    private readonly prefix: string,
  ) {}

  take(key: string, want: number, limit: number, windowMs: number): Promise<LeaseGrant> {
    return this.client.takeLease(`${this.prefix}rate:${key}`, want, limit, windowMs);
  }
}

/** A Redis that stalls (connection open, no answer) must not hold every request up. */
const LEASE_TIMEOUT_MS = 500;
/** Keys a process keeps leases of: many callers (addresses of one IPv6 network) must not grow its memory. */
export const MAX_LEASED_KEYS = 10_000;

interface KeyLease {
  /** Hits taken from the shared counter and not spent yet. */
  tokens: number;
  /** The window's end, by this process's clock as of when the lease was asked for, so never later than Redis's. */
  windowEndsAt: number;
  /** The window's count after the last grant, as far as this process knows. */
  counted: number;
  /** The shared counter said the limit is reached: refused here until the window ends. */
  exhausted: boolean;
  /** The last lease: how many hits it got, and when it was asked for. */
  granted: number;
  takenAt: number;
  /** A lease being asked for; hits that find no tokens wait for it rather than ask again. */
  pending: Promise<boolean> | undefined;
  waiting: number;
}

/**
 * The rate limit shared by every process through Redis, without a round trip per request: each process
 * takes leases of hits from the shared counter (rate-limit-leases.ts) and spends them locally. Never
 * over the limit in any window; may refuse early by at most what other processes hold unspent.
 * When Redis does not answer (an error, or nothing within 500 ms) the hit is let through, with a
 * warning at most every 10 s: counting is best effort, an outage must not take every route down.
 */
export class LeasedRateLimiter extends RateLimiter {
  private readonly leases = new Map<string, KeyLease>();
  private readonly warn = throttledWarning(new Logger('RateLimiter'));
  private nextSweepAt: number;

  /** `now`: a monotonic clock in ms (the windows are Redis's, in real time). */
  constructor(
    private readonly counter: LeaseCounter,
    private readonly windowMs = RATE_LIMIT_WINDOW_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
    this.nextSweepAt = this.now() + windowMs;
  }

  hit(key: string, limit: number): Verdict | Promise<Verdict> {
    const lease = this.leases.get(key);
    if (lease !== undefined) {
      const verdict = this.spend(lease, limit, this.now());
      if (verdict !== undefined) return verdict;
    }
    return this.hitAfterLease(key, limit);
  }

  /** How many keys have a lease kept (for tests). */
  get size(): number {
    return this.leases.size;
  }

  /** A verdict from what this process holds, or undefined when only the shared counter can say. */
  private spend(lease: KeyLease, limit: number, now: number): Verdict | undefined {
    if (now >= lease.windowEndsAt) return undefined;
    const resetSeconds = secondsUntil(lease.windowEndsAt, now);
    if (lease.tokens > 0) {
      lease.tokens -= 1;
      return { admitted: true, limit, remaining: Math.max(0, limit - lease.counted + lease.tokens), resetSeconds };
    }
    if (lease.exhausted) return { admitted: false, limit, remaining: 0, resetSeconds };
    return undefined;
  }

  private async hitAfterLease(key: string, limit: number): Promise<Verdict> {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    const lease = this.leases.get(key) ?? this.newLease(key, now);
    lease.waiting += 1;
    try {
      for (;;) {
        // Cleared before the waiters resume (reactions run in order), so one that finds no tokens asks anew.
        lease.pending ??= this.renew(key, lease, limit).finally(() => (lease.pending = undefined));
        if (!(await lease.pending)) return { admitted: true, limit, remaining: limit, resetSeconds: Math.ceil(this.windowMs / 1000) };
        // Spent by hits that waited longer, or the window ended meanwhile: ask again.
        const verdict = this.spend(lease, limit, this.now());
        if (verdict !== undefined) return verdict;
      }
    } finally {
      lease.waiting -= 1;
    }
  }

  private newLease(key: string, now: number): KeyLease {
    if (this.leases.size >= MAX_LEASED_KEYS) this.makeRoom(now);
    const lease = { tokens: 0, windowEndsAt: 0, counted: 0, exhausted: false, granted: 0, takenAt: now, pending: undefined, waiting: 0 };
    this.leases.set(key, lease);
    return lease;
  }

  /** Takes a new lease for `key`; false when Redis did not answer. */
  private async renew(key: string, lease: KeyLease, limit: number): Promise<boolean> {
    const askedAt = this.now();
    const want = Math.min(MAX_LEASE, Math.max(nextLeaseSize(lease.granted, askedAt - lease.takenAt), lease.waiting));
    try {
      const grant = await withTimeout(this.counter.take(key, want, limit, this.windowMs), LEASE_TIMEOUT_MS);
      // Hits left of an earlier lease belong to a window that has ended: they lapse with it.
      lease.tokens = grant.granted;
      lease.granted = grant.granted;
      lease.counted = grant.counted;
      lease.exhausted = grant.granted === 0;
      lease.takenAt = askedAt;
      lease.windowEndsAt = askedAt + grant.windowLeftMs;
      return true;
    } catch (error) {
      this.warn(`Rate limit not counted, Redis did not answer: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  /**
   * Past MAX_LEASED_KEYS: ended windows go, then the oldest idle leases that hold no hits (their hits are
   * counted in Redis already: dropping one costs that key one more round trip), then, if callers still
   * crowd in, the oldest idle ones that do, whose unspent hits are then refused early like other processes'.
   */
  private makeRoom(now: number): void {
    this.sweep(now);
    const target = Math.floor(MAX_LEASED_KEYS * 0.9);
    for (const spentOnly of [true, false]) {
      for (const [key, lease] of this.leases) {
        if (this.leases.size <= target) return;
        if (lease.pending === undefined && lease.waiting === 0 && (!spentOnly || lease.tokens === 0)) this.leases.delete(key);
      }
    }
  }

  /** Keys whose window has ended, and that nobody waits on, go once a window. */
  private sweep(now: number): void {
    for (const [key, lease] of this.leases) {
      if (now >= lease.windowEndsAt && lease.pending === undefined && lease.waiting === 0) this.leases.delete(key);
    }
    this.nextSweepAt = now + this.windowMs;
  }
}
