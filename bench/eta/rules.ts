/*
 * The rules the estimator is measured against. Each sees exactly what the estimator sees (a
 * QueueSnapshot) and answers a wait in minutes for every waiting entry, in queue order. All of them
 * keep the contract's floor (nobody is called before their appointment's start) and walk the queue
 * the same way: the first waiting is called when the one being served is done, each next one when
 * the previous is; they differ only in how long a service is taken to last.
 */
import { MIN_MEASURED_MS, QueueSnapshot, WaitingEntry } from '../../src/queue/expected-wait';

// Jest runs modules in a vm context where every lookup of a global (Math) is ~70× slower.
const { max, min } = Math;

const MINUTE_MS = 60_000;

export interface WaitRule {
  name: string;
  /** Minutes until each waiting entry is called, in queue order. */
  waits(snapshot: QueueSnapshot): number[];
}

/**
 * The queue walk: `serving` is the minutes still expected of the service under way, `length` the
 * minutes of each waiting entry's service.
 */
function walk(snapshot: QueueSnapshot, serving: number, length: (entry: WaitingEntry) => number): number[] {
  const { now } = snapshot;
  let free = now + serving * MINUTE_MS;
  return snapshot.waiting.map((entry) => {
    const start = max(free, entry.notBefore ?? free);
    free = start + length(entry) * MINUTE_MS;
    return (start - now) / MINUTE_MS;
  });
}

/**
 * The minutes of the latest `count` (≥ 1) measured services, oldest first: read from the end, as the
 * rules ask this of every snapshot and want only a few of its services.
 */
function latestMeasuredMinutes(snapshot: QueueSnapshot, count: number): number[] {
  const latest: number[] = [];
  for (let i = snapshot.history.length - 1; i >= 0 && latest.length < count; i--) {
    const s = snapshot.history[i];
    if (s.finishedAt - s.calledAt >= MIN_MEASURED_MS) latest.push((s.finishedAt - s.calledAt) / MINUTE_MS);
  }
  return latest.reverse();
}

/**
 * The one being served counts as a whole service ahead (the rule as it is usually stated: "people
 * ahead × a service"), or, with `lessElapsed`, as what is left of it, never below zero.
 */
function servingMinutes(snapshot: QueueSnapshot, length: number, lessElapsed: boolean): number {
  if (!snapshot.serving) return 0;
  if (!lessElapsed) return length;
  return max(0, length - (snapshot.now - snapshot.serving.calledAt) / MINUTE_MS);
}

/** Every service lasts what it was booked for. */
export function bookedRule(lessElapsed: boolean): WaitRule {
  return {
    name: lessElapsed ? 'booked−elapsed' : 'booked',
    waits: (snapshot) =>
      walk(
        snapshot,
        snapshot.serving ? servingMinutes(snapshot, snapshot.serving.bookedMinutes, lessElapsed) : 0,
        (entry) => entry.bookedMinutes,
      ),
  };
}

/** Every service lasts the mean of the provider's last `count` measured ones (as booked before any). */
export function lastServicesRule(count: number, lessElapsed: boolean): WaitRule {
  return {
    name: `last${count}${lessElapsed ? '−elapsed' : ''}`,
    waits: (snapshot) => {
      const recent = latestMeasuredMinutes(snapshot, count);
      const mean = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : null;
      const serving = snapshot.serving ? servingMinutes(snapshot, mean ?? snapshot.serving.bookedMinutes, lessElapsed) : 0;
      return walk(snapshot, serving, (entry) => mean ?? entry.bookedMinutes);
    },
  };
}

/**
 * The estimator this one replaced, as it was: booked × an exponentially weighted moving average of
 * measured ÷ booked (α = 0.3, ratios clamped to [¼, 4], the latest 20 services), the current service's
 * rest floored at zero once it overruns.
 */
export const previousEstimator: WaitRule = {
  name: 'previous',
  waits: (snapshot) => {
    const pace = snapshot.history
      .slice(-20)
      .filter((s) => s.bookedMinutes > 0 && s.finishedAt - s.calledAt >= MIN_MEASURED_MS)
      .reduce((pace, s) => {
        const ratio = min(4, max(0.25, (s.finishedAt - s.calledAt) / MINUTE_MS / s.bookedMinutes));
        return 0.7 * pace + 0.3 * ratio;
      }, 1);
    const serving = snapshot.serving ? servingMinutes(snapshot, snapshot.serving.bookedMinutes * pace, true) : 0;
    return walk(snapshot, serving, (entry) => entry.bookedMinutes * pace);
  },
};

/** The three rules as the issue states them, the one being served counted as a whole service. */
export const STATED_RULES: readonly WaitRule[] = [bookedRule(false), lastServicesRule(30, false), lastServicesRule(5, false)];
/** The same three, the one being served counted as what is left of it: stronger, and what the estimator must beat. */
export const SIMPLE_RULES: readonly WaitRule[] = [...STATED_RULES, bookedRule(true), lastServicesRule(30, true), lastServicesRule(5, true)];
