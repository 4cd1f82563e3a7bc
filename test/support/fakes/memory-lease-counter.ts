import { LeaseCounter, LeaseGrant } from '../../../src/access/leased-rate-limiter';
import { leaseGrant } from '../../../src/access/rate-limit-leases';

interface CounterWindow {
  counted: number;
  endsAt: number;
}

/**
 * The TAKE_LEASE script's semantics in memory, on a clock the test moves: a fixed window per key started
 * by the first lease, every grant counted in it. `gate`, when given, decides when each call reaches the
 * counter and when its answer gets back, so a test can interleave several processes' calls.
 */
export class MemoryLeaseCounter implements LeaseCounter {
  private readonly windows = new Map<string, CounterWindow>();
  /** Every call, in the order the counter ran them. */
  readonly taken: Array<{ key: string; want: number; granted: number; at: number }> = [];

  constructor(
    private readonly now: () => number,
    private readonly gate?: { arrive(): Promise<void>; answer(): Promise<void> },
  ) {}

  async take(key: string, want: number, limit: number, windowMs: number): Promise<LeaseGrant> {
    await this.gate?.arrive();
    const grant = this.takeNow(key, want, limit, windowMs);
    await this.gate?.answer();
    return grant;
  }

  /** When the current window of `key` started (undefined when none runs). */
  windowStartOf(key: string, windowMs: number): number | undefined {
    const window = this.windows.get(key);
    return window === undefined || this.now() >= window.endsAt ? undefined : window.endsAt - windowMs;
  }

  private takeNow(key: string, want: number, limit: number, windowMs: number): LeaseGrant {
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || now >= window.endsAt) {
      window = { counted: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    const granted = leaseGrant(window.counted, want, limit);
    window.counted += granted;
    this.taken.push({ key, want, granted, at: now });
    return { granted, counted: window.counted, windowLeftMs: window.endsAt - now };
  }
}
