/**
 * How long a client in a provider's queue is likely to wait, and a range that holds the real wait
 * about 80 % of the time. A pure module with one entry point, `expectedWait(snapshot)`, used by the
 * queue view and by the ETA bench (bench/eta/) alike; no clock of its own, and the same answer for
 * the same snapshot (its random draws come from a fixed seed). It sees only what queue_entries hold
 * at `now`: the provider's latest measured services (booked minutes; ready, called and done times),
 * the entry being served (booked minutes, called time) and those waiting, in order (booked minutes,
 * appointment start, check-in time). The README's "The expected wait" has the method's figures.
 *
 * Service times. A service lasts booked × a ratio; ln(ratio) = a location μ that depends on the time
 * of day + a deviation. What the provider's measured services (called → done, the latest PACE_SAMPLES;
 * under a minute is a double press, ratios clamped to [¼, 4]) say about them:
 *   - location by time of day: a recency-weighted mean of ln(ratio) (half-life HALF_LIFE services),
 *     shrunk towards −σ²/2 by PRIOR_WEIGHT pseudo-services — a mean ratio of 1, "as booked", until
 *     services are measured. A kernel average over time of day (bandwidth BANDWIDTH_HOURS) replaces
 *     the plain mean as far as it varies more than its own noise (empirical Bayes: trust = τ² ÷ (τ² +
 *     noise), τ² the variance across the day that the data show beyond noise), so a provider who slows
 *     down every afternoon is expected to, and a steady one keeps the plain mean;
 *   - today's offset: the mean residual of the current working session (services less than four
 *     hours apart), trusted the same way, as far as whole sessions differ from one another;
 *   - deviations: the measured residuals themselves (their quantiles), blended with a normal of
 *     spread σ (the 10–90 % spread ÷ 2.563, shrunk towards 0.45) while few are measured.
 *
 * The provider's start. Before the day's first call (nobody served, no service in the last four
 * hours) the queue starts when the provider does, learnt from past sessions' first calls: exact when
 * that first client had been ready a minute or more, otherwise only "started by then". Once the first
 * in line has waited uncalled, the start is drawn from the past starts later in the day than now;
 * when it has only just become callable, "already started, at once" as often as past days say so.
 *
 * Waits. PATHS sample paths of the queue: the service under way lasts what the distribution says
 * given that it has already lasted that long (its residual given survival: never zero after an
 * overrun, and longer the longer it overruns where long services are common; past the longest
 * measured one, a normal tail's), then each waiting entry is called when the one before is done and
 * not before its appointment's start, its service drawn at the location of the hour it starts; the
 * location's own uncertainty shifts each path as a whole. An entry's expected wait is the median of
 * its paths (the estimate with the least mean absolute error; a mean overshoots on skewed times), its
 * range their 10 % and 90 % quantiles.
 * Not modelled: clients still to come who will be queued ahead (a walk-in arriving before a waiting
 * appointment's start, a late appointment holder) and clients ahead who will leave.
 */
import { standardNormalQuantile } from './normal-distribution';
import { mulberry32 } from './seeded-random';

// Jest runs modules in a vm context where every lookup of a global (Math) is ~70× slower.
const { abs, exp, floor, log, max, min, round, sqrt } = Math;

export const WALK_IN_MINUTES = 15;
/** The latest measured services the estimate learns from (the repository reads this many). */
export const PACE_SAMPLES = 300;
/** A service shorter than this is "next" pressed twice, not a measurement. */
export const MIN_MEASURED_MS = 60_000;
/** The weight of the latest service in the displayed average service time. */
export const AVERAGE_ALPHA = 0.3;

const PRIOR_WEIGHT = 10;
const PRIOR_SIGMA = 0.45;
const HALF_LIFE = 150;
const BANDWIDTH_HOURS = 1.5;
const SESSION_GAP_MS = 4 * 3_600_000;
const PATHS = 400;
/** The range: the 10 % and 90 % quantiles of an entry's paths. */
const RANGE_QUANTILES = [0.1, 0.9] as const;
const RATIO_BOUNDS = [0.25, 4] as const;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Time of day in quarter hours. */
const GRID = 96;
const GRID_MS = DAY_MS / GRID;

/** A finished service: booked for `bookedMinutes`, called at `calledAt`, done at `finishedAt` (epoch ms). */
export interface MeasuredService {
  bookedMinutes: number;
  calledAt: number;
  finishedAt: number;
  /** When it could first be called: its check-in, or its appointment's start if later (unknown: `calledAt`). */
  readyAt?: number;
}

/** The entry being served. */
export interface ServingEntry {
  bookedMinutes: number;
  calledAt: number;
}

/** An entry waiting its turn; `notBefore` is its appointment's start (null for a walk-in). */
export interface WaitingEntry {
  bookedMinutes: number;
  notBefore: number | null;
  /** When it checked in (epoch ms); unknown is taken as `now`. */
  checkedInAt?: number;
}

/** What the service knows of a provider's queue at `now`. */
export interface QueueSnapshot {
  now: number;
  /** The provider's latest measured services, oldest first (the latest PACE_SAMPLES are used). */
  history: readonly MeasuredService[];
  serving: ServingEntry | null;
  /** In queue order: the first is called next. */
  waiting: readonly WaitingEntry[];
}

export interface ExpectedTurn {
  /** Whole minutes from now until the entry is likely called (the median of its wait). */
  waitMinutes: number;
  /** Whole minutes [low, high] that hold the wait about 80 % of the time; low ≤ waitMinutes ≤ high. */
  rangeMinutes: [number, number];
  /** The instant it is likely called (epoch ms); never before its appointment's start. */
  startsAt: number;
}

export interface ExpectedWait {
  /** One per waiting entry, in queue order. */
  turns: ExpectedTurn[];
  /** Expected measured ÷ booked of a service starting now (1 = as booked). */
  pace: number;
  /** What services have taken lately: a moving average of measured minutes (α = 0.3); null before any. */
  averageServiceMinutes: number | null;
}

/** When each waiting entry is likely called, with an 80 % range, in queue order. */
export function expectedWait(snapshot: QueueSnapshot): ExpectedWait {
  const { now, serving, waiting } = snapshot;
  const measuredServices = measured(snapshot.history);
  const usable = measuredServices.length > PACE_SAMPLES ? measuredServices.slice(-PACE_SAMPLES) : measuredServices;
  // The repository reads the latest PACE_SAMPLES done entries, double presses included: a full window
  // is cut wherever it begins, however few of its services are measurements.
  const { model, average } = learnModelOnce(usable, now, snapshot.history.length >= PACE_SAMPLES);
  const pace = exp(model.mu(now) + (model.sigma * model.sigma) / 2);
  if (waiting.length === 0) return { turns: [], pace, averageServiceMinutes: average };
  const last = waiting.length - 1;
  const waits = waiting.map(() => new Float64Array(PATHS));
  const shifts = draws(0).normals;
  const { uniforms: rests, normals: restNormals } = draws(1);
  const deviations = waiting.slice(0, last).map((_entry, j) => model.lengthDeviations(2 + j));
  const notBefores = waiting.map((entry) => entry.notBefore);
  const bookedMinutes = waiting.map(booked);
  const servingMu = serving ? model.mu(serving.calledAt) : 0;
  const servingBooked = serving ? booked(serving) : 0;
  // Where the service under way is, in quantile terms, once it has lasted `elapsed`: it can only end later.
  const elapsed = serving ? max(0, now - serving.calledAt) / MINUTE_MS : 0;
  const overrun = serving && elapsed > 0 ? log(elapsed / servingBooked) - servingMu : -Infinity;
  const survived = overrun > -Infinity ? model.quantileAt(overrun) : 0;
  // Past the longest measured deviation the quantiles above end below `elapsed`: there a normal tail
  // (spread s) takes over, in which ln(length) − ln(elapsed) is about exponential with mean s² ÷ overrun.
  const spread = sqrt(model.sigma * model.sigma + model.uncertainty * model.uncertainty);
  const tailStep = spread / max(1, overrun / spread);
  const starts = serving ? null : providerStarts(model, waiting, now);
  for (let k = 0; k < PATHS; k++) {
    const shift = model.uncertainty * shifts[k];
    let free = starts ? now + starts(rests[k]) : now;
    if (serving) {
      const u = min(1 - 1e-12, survived + (1 - survived) * rests[k]);
      // Just called, nothing is excluded yet: u is the path's own draw, whose normal is known.
      const z = u === rests[k] ? restNormals[k] : standardNormalQuantile(u);
      const length = servingBooked * exp(servingMu + model.deviation(u, z, true));
      const rest = length > elapsed ? length - elapsed : elapsed * (exp(-tailStep * log(1 - rests[k])) - 1);
      free = now + rest * MINUTE_MS;
    }
    for (let j = 0; j < waiting.length; j++) {
      const start = max(free, notBefores[j] ?? free);
      waits[j][k] = start - now;
      // The last entry's end is nobody's start.
      if (j < last) free = start + bookedMinutes[j] * exp(model.mu(start) + shift + deviations[j][k]) * MINUTE_MS;
    }
  }
  const turns = waits.map((samples): ExpectedTurn => {
    const [median, lowMs, highMs] = pathQuantiles(samples);
    const waitMinutes = round(median / MINUTE_MS);
    const low = round(lowMs / MINUTE_MS);
    const high = round(highMs / MINUTE_MS);
    return { waitMinutes, rangeMinutes: [min(low, waitMinutes), max(high, waitMinutes)], startsAt: now + median };
  });
  return { turns, pace, averageServiceMinutes: average };
}

/**
 * A past working session, in times of day: its first call — when the provider started (`exact`: the
 * client called had been waiting a minute or more), or only "by then" (they were called as they came)
 * — and its last service's end.
 */
interface PastSession {
  start: number;
  end: number;
  exact: boolean;
}

/**
 * Before the day's first call, when the provider starts, as ms from now at quantile u; null when the
 * provider is at work or nothing is known. Each past day says one thing about this time of day: it
 * was at work then (a session under way), its next session began so much later, or its work was over
 * by then. Once the first in line has waited uncalled, the provider has not started: a start drawn
 * from the days' next starts (none: any moment). When it has just become callable, the provider has
 * already started (0) as often as past days were at work then. When every past day was over by this
 * time, the next start is the next day's first.
 */
function providerStarts(model: ServiceModel, waiting: readonly WaitingEntry[], now: number): ((u: number) => number) | null {
  if (model.inSession || model.pastDays.length === 0 || waiting.length === 0) return null;
  const first = waiting[0];
  const callableSince = max(first.checkedInAt ?? now, first.notBefore ?? -Infinity);
  const today = model.timeOfDay(now);
  let atWork = 0;
  const next: PastSession[] = [];
  for (const sessions of model.pastDays) {
    if (sessions.some((session) => session.start <= today && today <= session.end)) atWork++;
    const later = sessions.filter((session) => session.start > today);
    if (later.length > 0) next.push(later.reduce((a, b) => (b.start < a.start ? b : a)));
  }
  const over = atWork === 0 && next.length === 0;
  const coming = over ? model.pastDays.map((sessions) => sessions.reduce((a, b) => (b.start < a.start ? b : a))) : next;
  const exactComing = coming.filter((session) => session.exact);
  const pool = (exactComing.length > 0 ? exactComing : coming)
    .map((session) => session.start + (over ? DAY_MS : 0) - today)
    .sort((a, b) => a - b);
  if (pool.length === 0) return null;
  const started = callableSince < now || atWork === 0 ? 0 : atWork / (atWork + exactComing.length);
  return (u) => (u < started ? 0 : pool[min(pool.length - 1, floor(((u - started) / (1 - started)) * pool.length))]);
}

interface ServiceModel {
  /** Location of ln(measured ÷ booked) for a service starting at `at` (epoch ms). */
  mu(at: number): number;
  /** Spread of ln(measured ÷ booked) around it. */
  sigma: number;
  /** How unsure the location is (its standard error). */
  uncertainty: number;
  /**
   * ln(measured ÷ booked) − mu at quantile u (z = Φ⁻¹(u)): the measured deviations' own quantile,
   * blended with a normal one while few are measured. `widened` adds the location's uncertainty to
   * the normal part (for the service under way, whose paths take no shift of their own).
   */
  deviation(u: number, z: number, widened: boolean): number;
  /** deviation(u, z, false) of every path's draw in one dimension (see `draws`): the same on every call. */
  lengthDeviations(dimension: number): Float64Array;
  /** The u at which deviation(u) reaches `value` (0 below every deviation, 1 above). */
  quantileAt(value: number): number;
  /** Whether the provider is in a working session at the moment the model was learned for. */
  inSession: boolean;
  /** Past working days, each its sessions (times of day as `timeOfDay` gives them). */
  pastDays: PastSession[][];
  /** Ms since the provider's day began (see dayOrigin). */
  timeOfDay(at: number): number;
}

/** Booked minutes as the paths take them: never below zero (no database constraint forbids it). */
const booked = (entry: { bookedMinutes: number }) => max(0, entry.bookedMinutes);

function measured(services: readonly MeasuredService[]): MeasuredService[] {
  return services.filter((s) => s.bookedMinutes > 0 && s.finishedAt - s.calledAt >= MIN_MEASURED_MS);
}

function logRatio(service: MeasuredService): number {
  const ratio = (service.finishedAt - service.calledAt) / MINUTE_MS / service.bookedMinutes;
  return log(min(RATIO_BOUNDS[1], max(RATIO_BOUNDS[0], ratio)));
}

function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = floor(position);
  const above = min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/**
 * Whether `<` orders the values as a typed array's sort does: no NaN (sorted last) and no −0 (sorted
 * before 0). Selection below relies on it; without it the quantiles are taken from a sort.
 */
function selectable(values: Float64Array): boolean {
  for (let k = 0; k < values.length; k++) {
    const value = values[k];
    if (value !== value || (value === 0 && 1 / value < 0)) return false;
  }
  return true;
}

/**
 * The median and the RANGE_QUANTILES of one entry's paths, exactly as quantileOfSorted on the sorted
 * samples gives them, by selection rather than a full sort (reorders `samples`).
 */
function pathQuantiles(samples: Float64Array): [number, number, number] {
  if (!selectable(samples)) return pathQuantilesBySort(samples);
  const last = samples.length - 1;
  const middle = floor(last * 0.5);
  const median = interpolatedOrderStatistic(samples, 0.5, 0, last);
  // The median's lower neighbour is now in place: the order statistics up to it lie before it, the rest after.
  const low = interpolatedOrderStatistic(samples, RANGE_QUANTILES[0], 0, middle);
  const high = interpolatedOrderStatistic(samples, RANGE_QUANTILES[1], middle, last);
  return [median, low, high];
}

function pathQuantilesBySort(samples: Float64Array): [number, number, number] {
  samples.sort();
  return [quantileOfSorted(samples, 0.5), quantileOfSorted(samples, RANGE_QUANTILES[0]), quantileOfSorted(samples, RANGE_QUANTILES[1])];
}

/**
 * quantileOfSorted(sorted samples, q), where samples[from..to] holds the order statistics from..to
 * (in any order) and the q-quantile's two neighbours fall among them.
 */
function interpolatedOrderStatistic(samples: Float64Array, q: number, from: number, to: number): number {
  const position = (samples.length - 1) * q;
  const below = floor(position);
  const above = min(samples.length - 1, below + 1);
  selectOrderStatistic(samples, below, from, to);
  let next = samples[below];
  if (above > below) {
    next = samples[above];
    for (let i = above + 1; i <= to; i++) if (samples[i] < next) next = samples[i];
  }
  return samples[below] + (next - samples[below]) * (position - below);
}

/**
 * Hoare's quickselect on samples[from..to] (no NaN): afterwards samples[k] is the value a sort would
 * put there, with nothing larger before it and nothing smaller after it, within from..to.
 */
function selectOrderStatistic(samples: Float64Array, k: number, from: number, to: number): void {
  let low = from;
  let high = to;
  while (high > low) {
    const pivot = samples[(low + high) >> 1];
    let i = low;
    let j = high;
    while (i <= j) {
      while (samples[i] < pivot) i++;
      while (samples[j] > pivot) j--;
      if (i <= j) {
        const swap = samples[i];
        samples[i] = samples[j];
        samples[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else return;
  }
}

/** The 10–90 % spread of normal values, sorted ascending, ÷ that of a standard normal. */
function robustSpread(sorted: ArrayLike<number>): number {
  return (quantileOfSorted(sorted, 0.9) - quantileOfSorted(sorted, 0.1)) / 2.5631;
}

/** robustSpread of the values once sorted, by selection on a copy. */
function robustSpreadOfUnsorted(values: Float64Array): number {
  const copy = values.slice();
  if (!selectable(copy)) return robustSpread(copy.sort());
  const last = copy.length - 1;
  const low = interpolatedOrderStatistic(copy, 0.1, 0, last);
  // The 10 % quantile's lower neighbour is now in place: the order statistics from it on lie from it on.
  const high = interpolatedOrderStatistic(copy, 0.9, floor(last * 0.1), last);
  return (high - low) / 2.5631;
}

/** Ascending copy; a typed array sorts numerically without a comparator. */
const sortedCopy = (values: Float64Array) => values.slice().sort();

/** The variance between group means beyond what their own noise explains (never below zero). */
function signalVariance(means: ArrayLike<number>, noise: ArrayLike<number>, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  if (total === 0 || means.length < 2) return 0;
  let weightedMeans = 0;
  for (let i = 0; i < means.length; i++) weightedMeans += weights[i] * means[i];
  const mean = weightedMeans / total;
  let squares = 0;
  for (let i = 0; i < means.length; i++) squares += weights[i] * (means[i] - mean) ** 2;
  let explained = 0;
  for (let i = 0; i < noise.length; i++) explained += weights[i] * noise[i];
  return max(0, squares / total - explained / total);
}

/**
 * ((at % DAY_MS) + DAY_MS) % DAY_MS, to the last bit, without a remainder where it can (a remainder is a
 * slow library call, and the paths ask for the time of day of every service they start). For an epoch
 * time between 2²⁷ (1970-01-02) and 2⁵² ms, at % DAY_MS is a multiple of at's last bit (≥ 2⁻²⁵) below a
 * day: adding a day is exact, so the outer remainder gives it back, and at − ⌊at ÷ DAY_MS⌋ × DAY_MS is it
 * too (both terms multiples of that bit, the product an exact integer), give or take one day where the
 * quotient rounds up to a whole number. Elsewhere: one remainder, as the sum lies in [0, 2 days], where
 * the outer one is an exact subtraction.
 */
const EXACT_FROM = 2 ** 27;
const EXACT_BELOW = 2 ** 52;
function timeOfDay(at: number): number {
  if (at >= EXACT_FROM && at < EXACT_BELOW) {
    const rest = at - floor(at / DAY_MS) * DAY_MS;
    return rest < 0 ? rest + DAY_MS : rest >= DAY_MS ? rest - DAY_MS : rest;
  }
  const shifted = (at % DAY_MS) + DAY_MS;
  return shifted < DAY_MS ? shifted : shifted < 2 * DAY_MS ? shifted - DAY_MS : shifted - 2 * DAY_MS;
}

/** A position on the clock's grid, [0, GRID], wrapped as `% GRID` would: GRID is 0 again. */
const wrapGrid = (position: number) => (position < GRID ? position : position - GRID);

/**
 * Where the provider's day begins, as a time of day (UTC): the middle of the longest stretch of the
 * clock with no call in it. Starts are compared as "earlier or later in the day" from there, so a
 * working day that spans midnight UTC (09:00 in Tokyo is 00:00 UTC) is not cut in two; the snapshot
 * needs no time zone.
 *
 * Without a sort, to the last bit of dayOriginBySort: the clock is cut in buckets narrower than half a
 * day ÷ the services' number, and the longest gap is at least a day ÷ their number, so a gap inside a
 * bucket is never the longest. Only the gaps from one bucket's last time to the next one's first are
 * measured, in clock order, the first of equal ones kept, as the sorted scan does.
 */
function dayOrigin(services: readonly MeasuredService[]): number {
  const n = services.length;
  if (n === 0) return 0;
  if (n > ORIGIN_BUCKETS / 2) return dayOriginBySort(services);
  originBucketUsed.fill(0);
  let firstTime = DAY_MS;
  for (let i = 0; i < n; i++) {
    const time = timeOfDay(services[i].calledAt);
    if (time !== time) return dayOriginBySort(services);
    const b = min(ORIGIN_BUCKETS - 1, floor(time / ORIGIN_BUCKET_MS));
    if (originBucketUsed[b] === 0) {
      originBucketUsed[b] = 1;
      originBucketFirst[b] = time;
      originBucketLast[b] = time;
    } else {
      originBucketFirst[b] = min(originBucketFirst[b], time);
      originBucketLast[b] = max(originBucketLast[b], time);
    }
    firstTime = min(firstTime, time);
  }
  // The gaps between buckets in clock order, then the one across midnight, as the sorted times give them.
  let origin = 0;
  let longest = -1;
  let time = -1;
  for (let b = 0; b < ORIGIN_BUCKETS; b++) {
    if (originBucketUsed[b] === 0) continue;
    if (time >= 0) {
      const next = originBucketFirst[b];
      if (next - time > longest) [longest, origin] = [next - time, time + (next - time) / 2];
    }
    time = originBucketLast[b];
  }
  const next = firstTime + DAY_MS;
  if (next - time > longest) origin = time + (next - time) / 2;
  return origin % DAY_MS;
}

/** dayOrigin's buckets (72 s each), reused by every call. */
const ORIGIN_BUCKETS = 4 * PACE_SAMPLES;
const ORIGIN_BUCKET_MS = DAY_MS / ORIGIN_BUCKETS;
const originBucketUsed = new Uint8Array(ORIGIN_BUCKETS);
const originBucketFirst = new Float64Array(ORIGIN_BUCKETS);
const originBucketLast = new Float64Array(ORIGIN_BUCKETS);

/** dayOrigin by its definition: every gap between the sorted times of day (a NaN sorts last). */
function dayOriginBySort(services: readonly MeasuredService[]): number {
  const times = new Float64Array(services.length);
  for (let i = 0; i < services.length; i++) times[i] = timeOfDay(services[i].calledAt);
  times.sort();
  let origin = 0;
  let longest = -1;
  for (let i = 0; i < times.length; i++) {
    const time = times[i];
    const next = i + 1 < times.length ? times[i + 1] : times[0] + DAY_MS;
    if (next - time > longest) [longest, origin] = [next - time, time + (next - time) / 2];
  }
  return origin % DAY_MS;
}
const gridIndex = (at: number) => wrapGrid(round(timeOfDay(at) / GRID_MS));
const KERNEL = Float64Array.from({ length: GRID }, (_v, d) => {
  const hours = (min(d, GRID - d) * GRID_MS) / HOUR_MS;
  return exp(-0.5 * (hours / BANDWIDTH_HOURS) ** 2);
});

/** Recency weights of a window of n services (oldest first), their squares and total: the same for every window of n. */
interface Recency {
  weights: Float64Array;
  squares: Float64Array;
  total: number;
}
const recencyByLength: Recency[] = [];
function recencyOf(n: number): Recency {
  let recency = recencyByLength[n];
  if (!recency) {
    const weights = new Float64Array(n);
    const squares = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      weights[i] = 0.5 ** ((n - 1 - i) / HALF_LIFE);
      squares[i] = weights[i] ** 2;
      total += weights[i];
    }
    recency = recencyByLength[n] = { weights, squares, total };
  }
  return recency;
}

function learnModel(services: readonly MeasuredService[], inSession: boolean, windowFull: boolean): ServiceModel {
  const n = services.length;
  const logs = new Float64Array(n);
  for (let i = 0; i < n; i++) logs[i] = logRatio(services[i]);
  const shrunkSigma = (spread: number) => sqrt((n * spread * spread + PRIOR_WEIGHT * PRIOR_SIGMA ** 2) / (n + PRIOR_WEIGHT));
  const rawSigma = shrunkSigma(n < 2 ? PRIOR_SIGMA : robustSpreadOfUnsorted(logs));
  // "As booked" means booked on average: the median of a lognormal whose mean is 1.
  const prior = -(rawSigma * rawSigma) / 2;
  const { weights: recency, squares: recencySquares, total: recencyTotal } = recencyOf(n);
  let weightedLogs = 0;
  for (let i = 0; i < n; i++) weightedLogs += recency[i] * logs[i];
  const overall = (weightedLogs + PRIOR_WEIGHT * prior) / (recencyTotal + PRIOR_WEIGHT);

  // By time of day: quarter-hour bins, smoothed with a Gaussian kernel around the clock.
  const bins = new Uint8Array(n);
  const binSum = new Float64Array(GRID);
  const binWeight = new Float64Array(GRID);
  const binSquares = new Float64Array(GRID);
  const seen = new Uint8Array(GRID);
  // In order of first use: the kernel sums below add the bins in this order.
  const occupied: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = gridIndex(services[i].calledAt);
    bins[i] = b;
    binSum[b] += recency[i] * logs[i];
    binWeight[b] += recency[i];
    binSquares[b] += recencySquares[i];
    if (seen[b] === 0) {
      seen[b] = 1;
      occupied.push(b);
    }
  }
  const kernel = new Float64Array(GRID);
  const kernelNoise = new Float64Array(GRID);
  for (let g = 0; g < GRID; g++) {
    let sum = 0;
    let weight = 0;
    let squares = 0;
    for (let o = 0; o < occupied.length; o++) {
      const b = occupied[o];
      const w = KERNEL[abs(g - b)];
      sum += w * binSum[b];
      weight += w * binWeight[b];
      squares += w * w * binSquares[b];
    }
    kernel[g] = weight > 0 ? sum / weight : overall;
    kernelNoise[g] = weight > 0 ? (rawSigma * rawSigma * squares) / (weight * weight) : Infinity;
  }
  const binKernel = new Float64Array(n);
  const binNoise = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    binKernel[i] = kernel[bins[i]];
    binNoise[i] = kernelNoise[bins[i]];
  }
  const hourly = signalVariance(binKernel, binNoise, recency);
  const profile = kernel.map((value, g) => overall + (hourly / (hourly + kernelNoise[g])) * (value - overall));
  const usual = (at: number) => {
    const position = wrapGrid(timeOfDay(at) / GRID_MS);
    const below = floor(position);
    return profile[below] + (profile[below + 1 < GRID ? below + 1 : 0] - profile[below]) * (position - below);
  };

  // Today against the usual: working sessions are services less than SESSION_GAP_MS apart.
  const residuals = new Float64Array(n);
  for (let i = 0; i < n; i++) residuals[i] = logs[i] - usual(services[i].calledAt);
  const sortedResiduals = sortedCopy(residuals);
  const sigma = shrunkSigma(n < 2 ? PRIOR_SIGMA : robustSpread(sortedResiduals));
  // Each session's services are services[sessionFirsts[i]] up to the next session's first.
  const sessionFirsts: number[] = [];
  const sessionEnds: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = services[i];
    if (i === 0 || s.calledAt - services[i - 1].finishedAt >= SESSION_GAP_MS) {
      sessionFirsts.push(i);
      sessionEnds.push(s.finishedAt);
    }
    sessionEnds[sessionEnds.length - 1] = max(sessionEnds[sessionEnds.length - 1], s.finishedAt);
  }
  const sessionCount = sessionFirsts.length;
  const sessionSizes = new Float64Array(sessionCount);
  const sessionMeans = new Float64Array(sessionCount);
  const sessionNoise = new Float64Array(sessionCount);
  for (let i = 0; i < sessionCount; i++) {
    const end = i + 1 < sessionCount ? sessionFirsts[i + 1] : n;
    let sum = 0;
    for (let j = sessionFirsts[i]; j < end; j++) sum += residuals[j];
    sessionSizes[i] = end - sessionFirsts[i];
    sessionMeans[i] = sum / sessionSizes[i];
    sessionNoise[i] = (sigma * sigma) / sessionSizes[i];
  }
  const daily = signalVariance(sessionMeans, sessionNoise, sessionSizes);
  const current = inSession ? sessionSizes[sessionCount - 1] : 0;
  const offset = current > 0 ? (daily / (daily + (sigma * sigma) / current)) * sessionMeans[sessionCount - 1] : 0;
  const uncertainty = sigma / sqrt(recencyTotal + PRIOR_WEIGHT);
  const measuredShare = n / (n + PRIOR_WEIGHT);
  const widenedSigma = sqrt(sigma * sigma + uncertainty * uncertainty);
  const deviation = (u: number, z: number, widened: boolean) => {
    const normal = (widened ? widenedSigma : sigma) * z;
    return n === 0 ? normal : measuredShare * quantileOfSorted(sortedResiduals, u) + (1 - measuredShare) * normal;
  };
  // Views between two finished services take the same deviations for their waiting entries' paths.
  const deviationsByDimension: Float64Array[] = [];
  const lengthDeviations = (dimension: number) => {
    let deviations = deviationsByDimension[dimension];
    if (!deviations) {
      const { uniforms, normals } = draws(dimension);
      deviations = deviationsByDimension[dimension] = new Float64Array(PATHS);
      for (let k = 0; k < PATHS; k++) deviations[k] = deviation(uniforms[k], normals[k], false);
    }
    return deviations;
  };
  const quantileAt = (value: number) => {
    let low = 0;
    let high = 1;
    for (let i = 0; i < 40; i++) {
      const middle = (low + high) / 2;
      if (deviation(middle, standardNormalQuantile(middle), true) < value) low = middle;
      else high = middle;
    }
    return low;
  };
  const origin = dayOrigin(services);
  // Past working days, from the origin to the next: their sessions. The session at the window's start
  // may have begun before it when the window is full.
  const byDay = new Map<number, PastSession[]>();
  for (let i = windowFull ? 1 : 0; i < sessionCount; i++) {
    const first = services[sessionFirsts[i]];
    const day = floor((first.calledAt - origin) / DAY_MS);
    const start = timeOfDay(first.calledAt - origin);
    const session = {
      start,
      end: start + (sessionEnds[i] - first.calledAt),
      exact: first.calledAt - (first.readyAt ?? -Infinity) >= MINUTE_MS,
    };
    const sessions = byDay.get(day);
    if (sessions) sessions.push(session);
    else byDay.set(day, [session]);
  }
  const pastDays = [...byDay.values()];
  return {
    mu: (at) => usual(at) + offset,
    sigma,
    uncertainty,
    deviation,
    lengthDeviations,
    quantileAt,
    inSession,
    pastDays,
    timeOfDay: (at) => timeOfDay(at - origin),
  };
}

/** What a model is learned from, per service: bookedMinutes, calledAt, finishedAt, readyAt (NaN: unknown). */
const KEY_FIELDS = 4;
// A constant, not the global: see the note on Math above.
const UNKNOWN = NaN;

/**
 * The last model learned, with the display average of the same services, and a copy of what they were
 * learned from: views of one queue are built many times between two finished services, and the
 * history is the same each time. A copy, so that a history changed in place is learned anew.
 */
let learned: { key: Float64Array; inSession: boolean; windowFull: boolean; model: ServiceModel; average: number | null } | null = null;

function keyOf(services: readonly MeasuredService[]): Float64Array {
  const key = new Float64Array(KEY_FIELDS * services.length);
  for (let i = 0, o = 0; i < services.length; i++, o += KEY_FIELDS) {
    const s = services[i];
    key[o] = s.bookedMinutes;
    key[o + 1] = s.calledAt;
    key[o + 2] = s.finishedAt;
    key[o + 3] = s.readyAt ?? UNKNOWN;
  }
  return key;
}

/** Whether `key` is a copy of these services. A NaN field matches nothing, so such a history is always learned anew. */
function isKeyOf(key: Float64Array, services: readonly MeasuredService[]): boolean {
  if (key.length !== KEY_FIELDS * services.length) return false;
  for (let i = 0, o = 0; i < services.length; i++, o += KEY_FIELDS) {
    const s = services[i];
    if (key[o] !== s.bookedMinutes || key[o + 1] !== s.calledAt || key[o + 2] !== s.finishedAt) return false;
    // Unknown when copied (NaN, the only value unequal to itself) and unknown now, or the same instant.
    if (s.readyAt === undefined ? key[o + 3] === key[o + 3] : key[o + 3] !== s.readyAt) return false;
  }
  return true;
}

function learnModelOnce(
  services: readonly MeasuredService[],
  now: number,
  windowFull: boolean,
): { model: ServiceModel; average: number | null } {
  const inSession = services.length > 0 && now - services[services.length - 1].finishedAt < SESSION_GAP_MS;
  const same = learned !== null && learned.inSession === inSession && learned.windowFull === windowFull && isKeyOf(learned.key, services);
  if (!same)
    learned = {
      key: keyOf(services),
      inSession,
      windowFull,
      model: learnModel(services, inSession, windowFull),
      average: averageMinutes(services),
    };
  return learned!;
}

function averageMinutes(usable: readonly MeasuredService[]): number | null {
  if (usable.length === 0) return null;
  let average = usable[0].bookedMinutes;
  for (const service of usable)
    average = (1 - AVERAGE_ALPHA) * average + AVERAGE_ALPHA * ((service.finishedAt - service.calledAt) / MINUTE_MS);
  return average;
}

/**
 * The path draws of one dimension (the location's shift, the current service, each waiting entry):
 * a jittered Latin hypercube of PATHS uniforms and their standard normals, the same on every call.
 */
const dimensions: { uniforms: Float64Array; normals: Float64Array }[] = [];
function draws(dimension: number): { uniforms: Float64Array; normals: Float64Array } {
  while (dimensions.length <= dimension) {
    const random = mulberry32(0x5eed + dimensions.length);
    const uniforms = new Float64Array(PATHS);
    for (let k = 0; k < PATHS; k++) uniforms[k] = (k + random()) / PATHS;
    for (let k = PATHS - 1; k > 0; k--) {
      const j = floor(random() * (k + 1));
      [uniforms[k], uniforms[j]] = [uniforms[j], uniforms[k]];
    }
    dimensions.push({ uniforms, normals: uniforms.map(standardNormalQuantile) });
  }
  return dimensions[dimension];
}
