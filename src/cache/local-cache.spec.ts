import { CacheBus } from './cache-bus';
import { LocalCache, Loaded } from './local-cache';

/** A bus on one process whose subscription the test can take down and bring back. */
class SwitchableBus extends CacheBus {
  private up = true;

  get live(): boolean {
    return this.up;
  }

  goDown(): void {
    this.up = false;
    for (const handler of this.handlers.values()) handler('all');
  }

  comeBack(): void {
    for (const handler of this.handlers.values()) handler('all');
    this.up = true;
  }

  protected async broadcast(): Promise<void> {}
}

/** A load the test finishes when it wants, so it can make an invalidation arrive meanwhile. */
function deferred<V>(): { load: () => Promise<Loaded<V>>; finish: (loaded: Loaded<V>) => void; fail: (error: Error) => void } {
  let finish!: (loaded: Loaded<V>) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<Loaded<V>>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { load: () => promise, finish, fail };
}

const MAX_AGE_MS = 1000;

describe(LocalCache.name, () => {
  let now: number;
  let bus: SwitchableBus;
  let sut: LocalCache<string>;
  let loads: number;

  beforeEach(() => {
    now = 1_000_000;
    loads = 0;
    bus = new SwitchableBus();
    sut = new LocalCache<string>(bus, 'things', { maxEntries: 3, maxAgeMs: MAX_AGE_MS, nowMs: () => now });
  });

  /** A load that counts itself and answers `value`. */
  const loading = (value: string, validUntilMs?: number) => async (): Promise<Loaded<string>> => {
    loads += 1;
    return { value, validUntilMs };
  };

  it('serves a loaded value without loading again until it is maxAgeMs old', async () => {
    await expect(sut.get('a', loading('first'))).resolves.toBe('first');
    now += MAX_AGE_MS - 1;
    await expect(sut.get('a', loading('second'))).resolves.toBe('first');
    now += 1;
    await expect(sut.get('a', loading('third'))).resolves.toBe('third');
    expect(loads).toBe(2);
  });

  it.each([
    { case: 'before maxAgeMs', validFor: 300, servedUntil: 300 },
    { case: 'after maxAgeMs (maxAgeMs wins)', validFor: 5000, servedUntil: MAX_AGE_MS },
  ])('stops serving at validUntilMs $case', async ({ validFor, servedUntil }) => {
    await sut.get('a', loading('first', now + validFor));
    const loadedAt = now;
    now = loadedAt + servedUntil - 1;
    await expect(sut.get('a', loading('second'))).resolves.toBe('first');
    now = loadedAt + servedUntil;
    await expect(sut.get('a', loading('third'))).resolves.toBe('third');
  });

  it('does not keep a value whose validUntilMs has already passed', async () => {
    await expect(sut.get('a', loading('first', now))).resolves.toBe('first');
    await expect(sut.get('a', loading('second'))).resolves.toBe('second');
    expect(sut.size).toBe(1);
  });

  it('drops only the invalidated keys, at once', async () => {
    await sut.get('a', loading('a1'));
    await sut.get('b', loading('b1'));
    await sut.invalidate('a');
    await expect(sut.get('a', loading('a2'))).resolves.toBe('a2');
    await expect(sut.get('b', loading('b2'))).resolves.toBe('b1');
  });

  it('drops every key under an invalidated prefix, and no other, at once', async () => {
    await sut.get('1:2030-03-04', loading('one-a'));
    await sut.get('1:2030-03-05', loading('one-b'));
    await sut.get('12:2030-03-04', loading('twelve'));
    await sut.invalidatePrefix('1:');
    await expect(sut.get('1:2030-03-04', loading('one-a2'))).resolves.toBe('one-a2');
    await expect(sut.get('1:2030-03-05', loading('one-b2'))).resolves.toBe('one-b2');
    await expect(sut.get('12:2030-03-04', loading('twelve2'))).resolves.toBe('twelve');
  });

  it('does not keep a load that raced an invalidation of its prefix', async () => {
    const slow = deferred<string>();
    const raced = sut.get('1:2030-03-04', slow.load);
    await sut.invalidatePrefix('1:');
    slow.finish({ value: 'before' });
    await expect(raced).resolves.toBe('before');
    await expect(sut.get('1:2030-03-04', loading('after'))).resolves.toBe('after');
  });

  it('shares one load between concurrent misses of a key', async () => {
    const slow = deferred<string>();
    const answers = [sut.get('a', slow.load), sut.get('a', loading('unused')), sut.get('a', loading('unused'))];
    slow.finish({ value: 'shared' });
    await expect(Promise.all(answers)).resolves.toEqual(['shared', 'shared', 'shared']);
    expect(loads).toBe(0);
  });

  it('answers a load that raced an invalidation of its key to its callers, but does not keep it', async () => {
    const slow = deferred<string>();
    const raced = sut.get('a', slow.load);
    await sut.invalidate('a');
    // Asked after the invalidation: not given the load that started before it.
    await expect(sut.get('a', loading('after'))).resolves.toBe('after');
    slow.finish({ value: 'before' });
    await expect(raced).resolves.toBe('before');
    await expect(sut.get('a', loading('later'))).resolves.toBe('after');
  });

  it('keeps a load during which only another key was invalidated', async () => {
    const slow = deferred<string>();
    const pending = sut.get('a', slow.load);
    await sut.invalidate('b');
    slow.finish({ value: 'kept' });
    await expect(pending).resolves.toBe('kept');
    await expect(sut.get('a', loading('reloaded'))).resolves.toBe('kept');
    expect(loads).toBe(0);
  });

  it.each([
    {
      case: 'rejects',
      load: () => Promise.reject(new Error('database down')),
    },
    {
      case: 'throws before returning a promise',
      load: (): Promise<Loaded<string>> => {
        throw new Error('database down');
      },
    },
  ])('keeps nothing from a load that $case, and the next miss loads again', async ({ load }) => {
    await expect(sut.get('a', load)).rejects.toThrow('database down');
    await expect(sut.get('a', loading('recovered'))).resolves.toBe('recovered');
    expect(loads).toBe(1);
  });

  it('serves nothing and keeps nothing while the bus is not live, and starts empty when it is back', async () => {
    await sut.get('a', loading('before'));
    bus.goDown();
    await expect(sut.get('a', loading('down1'))).resolves.toBe('down1');
    await expect(sut.get('a', loading('down2'))).resolves.toBe('down2');
    expect(sut.size).toBe(0);
    bus.comeBack();
    await expect(sut.get('a', loading('up1'))).resolves.toBe('up1');
    await expect(sut.get('a', loading('up2'))).resolves.toBe('up1');
  });

  it('does not keep a load during which the bus went down and came back (messages may have been missed)', async () => {
    const slow = deferred<string>();
    const pending = sut.get('a', slow.load);
    bus.goDown();
    bus.comeBack();
    slow.finish({ value: 'from before the gap' });
    await expect(pending).resolves.toBe('from before the gap');
    await expect(sut.get('a', loading('fresh'))).resolves.toBe('fresh');
  });

  it('keeps at most maxEntries, dropping the oldest first', async () => {
    for (const key of ['a', 'b', 'c', 'd']) await sut.get(key, loading(`${key}1`));
    expect(sut.size).toBe(3);
    await expect(sut.get('a', loading('a2'))).resolves.toBe('a2');
    await expect(sut.get('d', loading('d2'))).resolves.toBe('d1');
  });
});
