import { InProcessRateLimiter, secondsUntil } from './rate-limiter';

const WINDOW_MS = 60_000;

describe(InProcessRateLimiter.name, () => {
  let nowMs: number;
  let sut: InProcessRateLimiter;

  beforeEach(() => {
    nowMs = 5_000;
    sut = new InProcessRateLimiter(WINDOW_MS, () => nowMs);
  });

  it('admits the limit in a window, then refuses with the time left in it', () => {
    const verdicts = Array.from({ length: 4 }, () => sut.hit('requests:ip:1', 3));
    nowMs += 20_250;
    const later = sut.hit('requests:ip:1', 3);

    expect(verdicts).toEqual([
      { admitted: true, limit: 3, remaining: 2, resetSeconds: 60 },
      { admitted: true, limit: 3, remaining: 1, resetSeconds: 60 },
      { admitted: true, limit: 3, remaining: 0, resetSeconds: 60 },
      { admitted: false, limit: 3, remaining: 0, resetSeconds: 60 },
    ]);
    expect(later).toEqual({ admitted: false, limit: 3, remaining: 0, resetSeconds: 40 });
  });

  it('starts a new window, started by its first hit, once the last one has ended', () => {
    for (let i = 0; i < 4; i++) sut.hit('requests:ip:1', 3);
    nowMs += WINDOW_MS;

    expect(sut.hit('requests:ip:1', 3)).toEqual({ admitted: true, limit: 3, remaining: 2, resetSeconds: 60 });
  });

  it('counts each key on its own', () => {
    for (let i = 0; i < 3; i++) sut.hit('requests:ip:1', 3);

    expect(sut.hit('requests:ip:2', 3)).toMatchObject({ admitted: true });
    expect(sut.hit('messages:ip:1', 3)).toMatchObject({ admitted: true });
    expect(sut.hit('requests:ip:1', 3)).toMatchObject({ admitted: false });
  });

  it('forgets keys whose window has ended', () => {
    for (let i = 0; i < 100; i++) sut.hit(`requests:ip:${i}`, 3);
    nowMs += WINDOW_MS;

    sut.hit('requests:ip:new', 3);

    expect(sut.size).toBe(1);
  });
});

describe(secondsUntil.name, () => {
  it.each([
    [60_000, 60],
    [59_001, 60],
    [59_000, 59],
    [1, 1],
    [0, 1],
    [-50, 1],
  ])('%i ms → %i s (at least 1)', (leftMs, seconds) => {
    expect(secondsUntil(1_000 + leftMs, 1_000)).toBe(seconds);
  });
});
