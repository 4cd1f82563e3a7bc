import { CacheBus, isKeyPrefix, Stale } from './cache-bus';

export interface LocalCacheOptions {
  /** The most entries kept; past it the oldest go first. */
  maxEntries: number;
  /** No entry is served older than this, whatever the bus says: the bound when an invalidation is lost. */
  maxAgeMs: number;
  /** "Now", in epoch ms (the app's clock, so tests can move it). */
  nowMs: () => number;
}

/** What a load found: the value and, when it goes stale by itself at a known instant, that instant. */
export interface Loaded<V> {
  value: V;
  validUntilMs?: number;
}

interface Entry<V> {
  value: V;
  expiresAtMs: number;
}

/** One load in flight, shared by every miss of its key meanwhile. */
interface Flight<V> {
  promise: Promise<V>;
}

/**
 * A per-process cache of answers that writers invalidate through the `CacheBus` (on every process).
 * An answer loaded while an invalidation of its key arrived is used once but not kept, so no entry
 * outlives the change that made it stale; concurrent misses of one key share one load. Hand-written
 * rather than an LRU library because that check is the point of it.
 */
export class LocalCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /**
   * The load in flight for each key. An invalidation of the key removes it, so a load that raced the
   * invalidation finds itself no longer current and is not stored; loads of other keys are unaffected.
   */
  private readonly loading = new Map<string, Flight<V>>();

  constructor(
    private readonly bus: CacheBus,
    private readonly name: string,
    private readonly options: LocalCacheOptions,
  ) {
    bus.register(name, (keys) => this.drop(keys));
  }

  async get(key: string, load: () => Promise<Loaded<V>>): Promise<V> {
    if (!this.bus.live) return (await load()).value;
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      if (this.options.nowMs() < entry.expiresAtMs) return entry.value;
      this.entries.delete(key);
    }
    const pending = this.loading.get(key);
    if (pending !== undefined) return pending.promise;
    // Registered before the load starts: a load that throws at once must find itself current to clear it.
    const flight = {} as Flight<V>;
    this.loading.set(key, flight);
    flight.promise = this.loadAndKeep(key, flight, load);
    return flight.promise;
  }

  /** Drops `keys` on every process (this one at once). */
  invalidate(...keys: string[]): Promise<void> {
    return this.bus.invalidate(this.name, keys);
  }

  /** Drops every key starting with `prefix` on every process (this one at once). */
  invalidatePrefix(prefix: string): Promise<void> {
    return this.bus.invalidatePrefix(this.name, prefix);
  }

  /** How many entries are kept (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private async loadAndKeep(key: string, flight: Flight<V>, load: () => Promise<Loaded<V>>): Promise<V> {
    const startedMs = this.options.nowMs();
    try {
      const { value, validUntilMs } = await load();
      if (this.loading.get(key) === flight && this.bus.live) {
        const expiresAtMs = Math.min(startedMs + this.options.maxAgeMs, validUntilMs ?? Infinity);
        if (expiresAtMs > this.options.nowMs()) this.keep(key, { value, expiresAtMs });
      }
      return value;
    } finally {
      if (this.loading.get(key) === flight) this.loading.delete(key);
    }
  }

  private keep(key: string, entry: Entry<V>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    // The oldest entries come first: those past their time go now rather than wait to be asked for.
    const now = this.options.nowMs();
    for (const [oldestKey, oldest] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && oldest.expiresAtMs > now) break;
      this.entries.delete(oldestKey);
    }
  }

  private drop(stale: Stale): void {
    if (stale === 'all') {
      this.entries.clear();
      this.loading.clear();
      return;
    }
    // A walk over every entry, bounded by maxEntries; prefixes are for rare, wide changes.
    const keys = isKeyPrefix(stale)
      ? [...this.entries.keys(), ...this.loading.keys()].filter((key) => key.startsWith(stale.prefix))
      : stale;
    for (const key of keys) {
      this.entries.delete(key);
      this.loading.delete(key);
    }
  }
}
