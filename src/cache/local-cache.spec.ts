import { CacheBus, LocalCacheBus } from './cache-bus';
import { LocalCache } from './local-cache';

/** A bus whose liveness the test sets, delivering like the local one. */
class SwitchableBus extends LocalCacheBus {
  isLive = true;

  override get live(): boolean {
    return this.isLive;
  }

  dropAll(): void {
    this.dropEverything();
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe(LocalCache.name, () => {
  let now: number;
  let bus: SwitchableBus;
  let sut: LocalCache<string>;
  let loads: number;
  const load = (value: string, validUntilMs?: number) => async () => {
    loads += 1;
    return { value, validUntilMs };
  };

  beforeEach(() => {
    now = 1_000_000;
    loads = 0;
    bus = new SwitchableBus();
    sut = new LocalCache<string>(bus, 'test', { maxEntries: 3, maxAgeMs: 1000, nowMs: () => now });
  });

  it('serves a kept answer without loading again', async () => {
    await expect(sut.get('a', load('first'))).resolves.toBe('first');
    await expect(sut.get('a', load('second'))).resolves.toBe('first');
    expect(loads).toBe(1);
  });

  it.each([
    { name: 'max age reached', validUntil: undefined, after: 1000, reloads: true },
    { name: 'just under max age', validUntil: undefined, after: 999, reloads: false },
    { name: 'valid-until reached first', validUntil: 1_000_300, after: 300, reloads: true },
    { name: 'before valid-until', validUntil: 1_000_300, after: 299, reloads: false },
  ])('expires by itself: $name', async ({ validUntil, after, reloads }) => {
    await sut.get('a', load('first', validUntil));
    now += after;
    await expect(sut.get('a', load('second'))).resolves.toBe(reloads ? 'second' : 'first');
  });

  it('does not keep an answer that is already past its valid-until', async () => {
    await sut.get('a', load('first', now));
    await expect(sut.get('a', load('second'))).resolves.toBe('second');
  });

  it('drops the invalidated keys only', async () => {
    await sut.get('a', load('a1'));
    await sut.get('b', load('b1'));
    await sut.invalidate('a');
    await expect(sut.get('a', load('a2'))).resolves.toBe('a2');
    await expect(sut.get('b', load('b2'))).resolves.toBe('b1');
  });

  it('uses but does not keep an answer loaded while an invalidation arrived', async () => {
    const gate = deferred<void>();
    const racing = sut.get('a', async () => {
      await gate.promise;
      return { value: 'stale' };
    });
    await sut.invalidate('a');
    gate.resolve();
    await expect(racing).resolves.toBe('stale');
    await expect(sut.get('a', load('fresh'))).resolves.toBe('fresh');
  });

  it('shares one load between concurrent misses, but not with a request that came after an invalidation', async () => {
    const gate = deferred<void>();
    let calls = 0;
    const slow = async () => {
      const call = (calls += 1);
      await gate.promise;
      return { value: `v${call}` };
    };
    const first = sut.get('a', slow);
    const second = sut.get('a', slow);
    await sut.invalidate('a');
    const third = sut.get('a', slow);
    gate.resolve();
    await expect(Promise.all([first, second, third])).resolves.toEqual(['v1', 'v1', 'v2']);
  });

  it('serves nothing kept while the bus is not live, and keeps nothing then', async () => {
    await sut.get('a', load('kept'));
    bus.isLive = false;
    await expect(sut.get('a', load('live-read'))).resolves.toBe('live-read');
    await expect(sut.get('b', load('b1'))).resolves.toBe('b1');
    bus.isLive = true;
    await expect(sut.get('b', load('b2'))).resolves.toBe('b2');
  });

  it('empties on a gap in the messages', async () => {
    await sut.get('a', load('a1'));
    bus.dropAll();
    await expect(sut.get('a', load('a2'))).resolves.toBe('a2');
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    for (const key of ['a', 'b', 'c', 'd']) await sut.get(key, load(`${key}1`));
    expect(sut.size).toBe(3);
    await expect(sut.get('a', load('a2'))).resolves.toBe('a2');
    await expect(sut.get('d', load('d2'))).resolves.toBe('d1');
  });

  it('refuses a second cache of the same name on one bus', () => {
    const shared: CacheBus = new LocalCacheBus();
    new LocalCache<string>(shared, 'x', { maxEntries: 1, maxAgeMs: 1, nowMs: () => 0 });
    expect(() => new LocalCache<string>(shared, 'x', { maxEntries: 1, maxAgeMs: 1, nowMs: () => 0 })).toThrow(/twice/);
  });
});
