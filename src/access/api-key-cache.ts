import { CacheBus } from '../cache/cache-bus';
import { LocalCache } from '../cache/local-cache';
import type { Caller } from './caller';

/** No entry is served older than this: the bound on a revoked key's life should an invalidation be lost. */
export const API_KEY_MAX_AGE_MS = 1000;
/** Keys that are somebody's (unknown ones are never kept), so memory stays bounded whoever calls. */
export const API_KEY_CACHE_ENTRIES = 10_000;

/**
 * Whose each API key is, by its SHA-256, kept per process so a keyed request touches no database.
 * A key that is nobody's is not kept (a guesser must not fill memory). Rotating a key revokes the old
 * hash on every process through the cache bus, after the commit.
 */
export class ApiKeyCache {
  private readonly callers: LocalCache<Caller | null>;

  /** `nowMs`: a monotonic clock; the age bound is real time, whatever a test does to the app's clock. */
  constructor(bus: CacheBus, nowMs: () => number = () => performance.now()) {
    this.callers = new LocalCache(bus, 'api-keys', { maxEntries: API_KEY_CACHE_ENTRIES, maxAgeMs: API_KEY_MAX_AGE_MS, nowMs });
  }

  /** The caller owning the key with this hash, as `load` (the database) says when it is not cached. */
  callerOf(keyHash: string, load: () => Promise<Caller | null>): Promise<Caller | null> {
    return this.callers.get(keyHash, async () => {
      const caller = await load();
      return caller === null ? { value: null, validUntilMs: Number.NEGATIVE_INFINITY } : { value: caller };
    });
  }

  /** Call after the change that revoked the key has committed: it stops working here at once, elsewhere when the bus tells. */
  revoke(keyHash: string): Promise<void> {
    return this.callers.invalidate(keyHash);
  }

  /** How many keys are kept (for tests). */
  get size(): number {
    return this.callers.size;
  }
}
