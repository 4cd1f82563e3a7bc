/**
 * How long a client in a provider's queue is likely to wait. Pure functions, no clock of their own.
 *
 * The expected service time of an entry is its booked duration (15 minutes for a walk-in) times the
 * provider's *pace*: an exponentially weighted moving average of measured/booked over the provider's
 * latest services, oldest first,
 *
 *     pace₀ = 1                                   (no measurement yet: exactly as booked)
 *     paceₙ = (1 − α)·paceₙ₋₁ + α·clamp(actualₙ / bookedₙ, ¼, 4)      α = 0.3
 *
 * so the booked durations are where the estimate starts, and each measured service moves it 30 % of
 * the way towards what this provider really takes. A ratio rather than minutes, because a provider's
 * day mixes 15-minute and hour-long appointments: one who overruns every booking by a fifth is
 * expected to overrun the next one by a fifth, whatever its length. A measured service is the time
 * from `called` to `done` (the next call); one under a minute is a double press of "next", not a
 * measurement, and is ignored. Only the latest PACE_SAMPLES services count (0.7²⁰ < 0.1 %).
 *
 * The expected wait of the n-th waiting entry is then
 *
 *     what is left of the current service  (its expected service time − time since it was called, ≥ 0)
 *   + the expected service time of everyone ahead,
 *
 * where no entry is expected to be called before its own appointment's start (the provider may be
 * idle until then).
 */

export const PACE_ALPHA = 0.3;
export const WALK_IN_MINUTES = 15;
/** The latest measured services the pace is learned from. */
export const PACE_SAMPLES = 20;
/** A service shorter than this is "next" pressed twice, not a measurement. */
export const MIN_MEASURED_MS = 60_000;
const RATIO_BOUNDS = [0.25, 4] as const;
const MINUTE_MS = 60_000;

/** A finished service: booked for `bookedMinutes`, called at `calledAt`, done at `finishedAt`. */
export interface MeasuredService {
  bookedMinutes: number;
  calledAt: number;
  finishedAt: number;
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
}

export interface QueueTiming {
  now: number;
  pace: number;
  serving: ServingEntry | null;
  /** In queue order: the first is called next. */
  waiting: readonly WaitingEntry[];
}

export interface ExpectedTurn {
  /** Whole minutes from now until the entry is likely called. */
  waitMinutes: number;
  /** The instant it is likely called (epoch ms). */
  startsAt: number;
}

function measured(services: readonly MeasuredService[]): MeasuredService[] {
  return services.filter((s) => s.bookedMinutes > 0 && s.finishedAt - s.calledAt >= MIN_MEASURED_MS);
}

/** The provider's pace (1 = as booked) learned from its services, given oldest first. */
export function learnPace(services: readonly MeasuredService[]): number {
  return measured(services).reduce((pace, service) => {
    const ratio = (service.finishedAt - service.calledAt) / MINUTE_MS / service.bookedMinutes;
    const bounded = Math.min(RATIO_BOUNDS[1], Math.max(RATIO_BOUNDS[0], ratio));
    return (1 - PACE_ALPHA) * pace + PACE_ALPHA * bounded;
  }, 1);
}

/**
 * What the provider's services have taken lately, in minutes: the same moving average over the
 * measured minutes, starting from the first one's booked duration. Null before any measurement.
 */
export function averageServiceMinutes(services: readonly MeasuredService[]): number | null {
  const usable = measured(services);
  if (usable.length === 0) return null;
  return usable.reduce(
    (average, service) => (1 - PACE_ALPHA) * average + PACE_ALPHA * ((service.finishedAt - service.calledAt) / MINUTE_MS),
    usable[0].bookedMinutes,
  );
}

/** The minutes an entry booked for `bookedMinutes` is expected to take with this provider. */
export function expectedServiceMinutes(bookedMinutes: number, pace: number): number {
  return bookedMinutes * pace;
}

/** When each waiting entry is likely called, in queue order. */
export function expectedTurns(timing: QueueTiming): ExpectedTurn[] {
  const { now, pace, serving } = timing;
  let free = now;
  if (serving) {
    const expectedEnd = serving.calledAt + expectedServiceMinutes(serving.bookedMinutes, pace) * MINUTE_MS;
    free = Math.max(now, expectedEnd);
  }
  return timing.waiting.map((entry) => {
    const startsAt = Math.max(free, entry.notBefore ?? free);
    free = startsAt + expectedServiceMinutes(entry.bookedMinutes, pace) * MINUTE_MS;
    return { waitMinutes: Math.round((startsAt - now) / MINUTE_MS), startsAt };
  });
}
