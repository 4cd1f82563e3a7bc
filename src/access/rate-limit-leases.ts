/**
 * Token leases: how a process takes hits from a rate-limit window shared through Redis, so that it asks
 * Redis once per lease rather than once per request.
 *
 * The shared counter of a key's window counts every hit handed out to any process (spent or not). A
 * lease takes `leaseGrant(counted, want, limit)` hits in one atomic step, so the counter never passes the
 * limit; a process spends a lease only until the window's end as it reckoned it before asking (so never
 * after Redis's), hence no window ever admits more than `limit` requests. The price: hits a process holds
 * unspent are lost to the others. A process may refuse early by at most the unspent leases the other
 * processes hold — one per key each, at most a quarter of what was left of the window when it was taken
 * (and at most MAX_LEASE) — and unspent hits lapse with their window. Near the limit leases shrink to one
 * hit, so the last hits are counted one by one.
 */

/** A lease takes at most this share of what is left of the window (1/4). */
export const LEASE_SHARE_DIVISOR = 4;
/** No lease is larger, however busy the key: bounds what one process can hold unspent. */
export const MAX_LEASE = 1024;
/** A lease spent within this time of being taken says the key is busy here: the next one is twice as large. */
export const BUSY_LEASE_MS = 100;
/** A lease that took this long to spend says the key is quiet here: the next one is a single hit again. */
export const QUIET_LEASE_MS = 1000;

/**
 * How many hits a lease gets when `counted` of the window's `limit` are already handed out and the
 * process asks for `want`: none when nothing is left, else at least one, at most `want` and at most a
 * quarter of what is left. The Lua script TAKE_LEASE (rate-limit-scripts.ts) computes the same.
 */
export function leaseGrant(counted: number, want: number, limit: number): number {
  const left = limit - counted;
  if (left <= 0) return 0;
  return Math.max(1, Math.min(want, Math.floor(left / LEASE_SHARE_DIVISOR)));
}

/**
 * What to ask for next, once the last lease (of `granted` hits) is spent after `spentInMs`: twice what it
 * got while it lasts less than BUSY_LEASE_MS, as much again while it lasts less than QUIET_LEASE_MS, so a
 * busy key costs a round trip every 0.1 to 1 s per process; a single hit once the key is quiet.
 */
export function nextLeaseSize(granted: number, spentInMs: number): number {
  if (granted <= 0 || spentInMs >= QUIET_LEASE_MS) return 1;
  if (spentInMs >= BUSY_LEASE_MS) return granted;
  return Math.min(MAX_LEASE, granted * 2);
}
