import { BUSY_LEASE_MS, leaseGrant, MAX_LEASE, nextLeaseSize, QUIET_LEASE_MS } from './rate-limit-leases';

describe(leaseGrant.name, () => {
  it.each([
    // counted, want, limit → granted
    [0, 1, 600, 1],
    [0, 64, 600, 64],
    [0, 1000, 600, 150], // a quarter of what is left
    [500, 64, 600, 25],
    [560, 64, 600, 10],
    [592, 64, 600, 2],
    [593, 64, 600, 1], // 7 left: a quarter rounds down to 1
    [596, 64, 600, 1],
    [599, 64, 600, 1], // the last hit, on its own
    [600, 64, 600, 0], // nothing left
    [640, 1, 600, 0], // more than the limit already (a lower limit than when counted)
    [0, 5, 1, 1],
    [1, 5, 1, 0],
    [0, 3, 2, 1],
    [0, 8, 40, 8],
    [0, 16, 40, 10],
    [30, 16, 40, 2],
    [36, 16, 40, 1],
  ])('counted %i, wanting %i of %i → %i', (counted, want, limit, granted) => {
    expect(leaseGrant(counted, want, limit)).toBe(granted);
  });

  it('never grants past the limit, and grants at least one while any is left, whatever is asked', () => {
    // Checked plainly and reported at once: half a million expect() calls take twenty seconds.
    const broken: string[] = [];
    for (let limit = 1; limit <= 200; limit++) {
      for (let counted = 0; counted <= limit + 2; counted++) {
        for (const want of [1, 2, 3, 7, 64, MAX_LEASE]) {
          const granted = leaseGrant(counted, want, limit);
          const left = Math.max(0, limit - counted);
          const holds = granted <= left && granted <= want && granted >= 1 === left >= 1 && (granted <= 1 || granted <= left / 4);
          if (!holds) broken.push(`limit ${limit}, counted ${counted}, want ${want}: granted ${granted}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe(nextLeaseSize.name, () => {
  it.each([
    // granted, spent in ms → next size
    [1, 0, 2],
    [1, BUSY_LEASE_MS - 1, 2],
    [8, 10, 16],
    [600, 5, MAX_LEASE],
    [MAX_LEASE, 5, MAX_LEASE],
    [8, BUSY_LEASE_MS, 8], // lasting between 0.1 and 1 s: as large again
    [248, QUIET_LEASE_MS - 1, 248],
    [8, QUIET_LEASE_MS, 1], // quiet: back to one hit
    [64, 60_000, 1],
    [0, 0, 1], // the last answer was "nothing left"
  ])('a lease of %i spent in %i ms → %i', (granted, spentInMs, next) => {
    expect(nextLeaseSize(granted, spentInMs)).toBe(next);
  });
});
