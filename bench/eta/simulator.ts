/*
 * Seeded queue days for the expected-wait bench. A regime is one provider over many consecutive days
 * (its history carries from one day to the next, as the service's does). Every day: clients check in
 * (walk-ins at random times, appointment holders around their start), the provider calls the first in
 * line whenever free — never before that entry's appointment start — and each service lasts booked ×
 * the regime's pace at that hour × a skewed noise drawn per client.
 *
 * At every check-in and every call, every method is asked for the wait of every waiting entry, from
 * what the service would know then (check-ins, booked durations, call and done times of finished
 * services, the serving entry's call time, now) and nothing else. When the day is over, each answer is
 * scored against the real wait (the entry's call time − the moment asked): error = |predicted − real|
 * in minutes, the prediction as the service shows it (whole minutes), the real wait unrounded (the
 * range's coverage rounds it). Entries that left before their turn have no real wait and are not scored.
 */
import { ExpectedWait, expectedWait, MeasuredService, PACE_SAMPLES, QueueSnapshot } from '../../src/queue/expected-wait';
import { mulberry32 } from '../../src/queue/seeded-random';
import { WaitRule } from './rules';

// Jest runs modules in a vm context where every lookup of a global (Math) is ~70× slower.
const { PI, abs, cos, exp, floor, log, max, min, round, sqrt } = Math;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** 09:00 of the first simulated day (UTC, arbitrary). */
const FIRST_OPENING = Date.parse('2026-01-05T09:00:00.000Z');
const CLIENTS_PER_DAY = 30;
const UTILISATION = 0.85;
/** The history every method may see: the estimator reads its PACE_SAMPLES of it (as the repository does), the rules theirs. */
const HISTORY_KEPT = max(PACE_SAMPLES, 30);
/** The bound's replays per answer. */
const BOUND_PATHS = 400;

type Random = () => number;

export interface Regime {
  name: string;
  description: string;
  /** Share of the day's clients who booked an appointment (the rest walk in, booked 15 minutes). */
  appointmentShare: number;
  /** Share of appointments nobody checks in for. */
  noShowShare: number;
  /** Share of walk-ins who leave if not called within 20–60 minutes. */
  leaveShare: number;
  /** The provider starts this many minutes after opening (uniform between the two), or on time. */
  lateStartMinutes: [number, number] | null;
  /** Mean measured ÷ booked at a point of the day (0 = opening, 1 = the planned end of the day). */
  pace(dayFraction: number): number;
  /** A service's multiplicative noise around that pace (mean 1). */
  noise(random: Random): number;
}

export function standardNormal(random: Random): number {
  const u = 1 - random();
  return sqrt(-2 * log(u)) * cos(2 * PI * random());
}

/** Lognormal noise of mean 1: the right skew of real service times. */
export const lognormalNoise =
  (sigma: number) =>
  (random: Random): number =>
    exp(sigma * standardNormal(random) - (sigma * sigma) / 2);

interface Client {
  id: number;
  bookedMinutes: number;
  appointmentStart: number | null;
  /** Null: booked but never came. */
  checkInAt: number | null;
  leavesAt: number | null;
  noise: number;
  calledAt: number | null;
}

interface DayPlan {
  clients: Client[];
  providerStart: number;
  opening: number;
  /** The planned length of the day's service, for the regime's pace by hour. */
  lengthMs: number;
}

const uniform = (random: Random, low: number, high: number) => low + (high - low) * random();

function planDay(regime: Regime, random: Random, opening: number): DayPlan {
  const appointments = round(CLIENTS_PER_DAY * regime.appointmentShare);
  const booked = Array.from({ length: CLIENTS_PER_DAY }, (_v, i) => {
    if (i >= appointments) return 15;
    const r = random();
    return r < 0.5 ? 15 : r < 0.85 ? 30 : 45;
  });
  let meanPace = 0;
  for (let i = 0; i < 100; i++) meanPace += regime.pace((i + 0.5) / 100) / 100;
  const work = booked.reduce((a, b) => a + b, 0) * meanPace;
  const lengthMinutes = work / UTILISATION;
  const bookedByAppointments = booked.slice(0, appointments).reduce((a, b) => a + b, 0);
  const gaps = Array.from({ length: appointments }, () => random() * max(0, lengthMinutes - bookedByAppointments)).sort((a, b) => a - b);
  let bookedBefore = 0;
  let end = 0;
  const clients: Client[] = booked.map((bookedMinutes, i) => {
    const client: Client = {
      id: i,
      bookedMinutes,
      appointmentStart: null,
      checkInAt: null,
      leavesAt: null,
      noise: regime.noise(random),
      calledAt: null,
    };
    if (i < appointments) {
      // Idle time before it, then everything booked before it, on the 15-minute grid, never overlapping.
      const startMinutes = max(end, round((gaps[i] + bookedBefore) / 15) * 15);
      bookedBefore += bookedMinutes;
      end = startMinutes + bookedMinutes;
      client.appointmentStart = opening + startMinutes * MINUTE_MS;
      client.checkInAt = random() < regime.noShowShare ? null : client.appointmentStart + uniform(random, -20, 5) * MINUTE_MS;
    } else {
      client.checkInAt = opening + uniform(random, -10, lengthMinutes - 20) * MINUTE_MS;
      if (random() < regime.leaveShare) client.leavesAt = client.checkInAt + uniform(random, 20, 60) * MINUTE_MS;
    }
    return client;
  });
  const late = regime.lateStartMinutes ? uniform(random, ...regime.lateStartMinutes) : 0;
  return { clients, opening, providerStart: opening + late * MINUTE_MS, lengthMs: lengthMinutes * MINUTE_MS };
}

/** One answer of one method about one waiting entry. */
interface Answer {
  clientId: number;
  askedAt: number;
  /** Per method, in the order given; whole minutes. */
  waits: number[];
  range: [number, number];
}

export interface MethodScore {
  name: string;
  meanAbsoluteError: number;
}

export interface RegimeScore {
  regime: string;
  days: number;
  answers: number;
  estimator: MethodScore;
  /** The clairvoyant reference (see `clairvoyantWaits`), when asked for. */
  bound: MethodScore | null;
  /** The share of real waits inside the estimator's range. */
  coverage: number;
  rules: MethodScore[];
}

/** What is scored as the estimator: `expectedWait` unless the bench is given another to compare. */
export type Estimator = (snapshot: QueueSnapshot) => ExpectedWait;

/**
 * The bound: what the best possible answer scores when only the service times are unknown. It knows
 * the regime's true service-time law (pace by hour, noise) and everything else the day will bring
 * (who checks in when, who leaves, when the provider starts), replays the rest of the day `paths`
 * times with fresh service times (the one under way drawn given what it has lasted) and answers each
 * entry's median call time over the replays where it is called. No estimator sees as much, so its
 * mean absolute error is about the least any can reach: what is left is the randomness of services.
 */
function clairvoyantWaits(
  plan: DayPlan,
  regime: Regime,
  state: {
    now: number;
    pending: readonly Client[];
    waiting: readonly Client[];
    serving: { client: Client; endsAt: number } | null;
    started: boolean;
  },
  random: Random,
  paths: number,
): number[] {
  const queueAt = (c: Client) => c.appointmentStart ?? c.checkInAt!;
  const lengthAt = (client: Client, calledAt: number) =>
    client.bookedMinutes * regime.pace(min(1, max(0, (calledAt - plan.opening) / plan.lengthMs))) * MINUTE_MS;
  const samples = state.waiting.map(() => [] as number[]);
  const index = new Map(state.waiting.map((c, j) => [c.id, j]));
  for (let k = 0; k < paths; k++) {
    const pending = state.pending.slice();
    const waiting = state.waiting.slice();
    let { now, started } = state;
    let endsAt = Infinity;
    let left = waiting.length;
    if (state.serving) {
      const { client } = state.serving;
      const elapsed = now - client.calledAt!;
      // Its service given that it has lasted `elapsed` (rejection: the noise laws have no closed-form rest).
      let length = 0;
      for (let tries = 0; tries < 10_000 && length <= elapsed; tries++) length = lengthAt(client, client.calledAt!) * regime.noise(random);
      endsAt = client.calledAt! + max(length, elapsed);
    }
    const callNext = () => {
      if (!started || endsAt !== Infinity || waiting.length === 0 || queueAt(waiting[0]) > now) return;
      const client = waiting.shift()!;
      const j = index.get(client.id);
      if (j !== undefined) {
        samples[j].push(now - state.now);
        left--;
      }
      endsAt = now + lengthAt(client, now) * regime.noise(random);
    };
    callNext();
    while (left > 0) {
      const nextCheckIn = pending[0]?.checkInAt ?? Infinity;
      const start = started ? Infinity : plan.providerStart;
      const leave = min(...waiting.map((c) => c.leavesAt ?? Infinity));
      const wake = started && endsAt === Infinity && waiting.length > 0 ? queueAt(waiting[0]) : Infinity;
      const t = min(nextCheckIn, endsAt, start, leave, max(wake, now));
      if (t === Infinity) break;
      now = t;
      if (t === endsAt) endsAt = Infinity;
      else if (t === nextCheckIn) {
        const client = pending.shift()!;
        const at = waiting.findIndex((c) => queueAt(c) > queueAt(client));
        waiting.splice(at === -1 ? waiting.length : at, 0, client);
      } else if (t === start) started = true;
      else if (t === leave) {
        const gone = waiting.splice(
          waiting.findIndex((c) => c.leavesAt === leave),
          1,
        )[0];
        if (index.has(gone.id)) left--;
      }
      callNext();
    }
  }
  return samples.map((waits) => {
    if (waits.length === 0) return 0;
    waits.sort((a, b) => a - b);
    return waits[floor(waits.length / 2)] / MINUTE_MS;
  });
}

function simulateDay(
  plan: DayPlan,
  regime: Regime,
  history: MeasuredService[],
  rules: readonly WaitRule[],
  estimate: Estimator,
  bound: Random | null,
): Answer[] {
  const pending = plan.clients.filter((c) => c.checkInAt !== null).sort((a, b) => a.checkInAt! - b.checkInAt!);
  const queueAt = (c: Client) => c.appointmentStart ?? c.checkInAt!;
  const waiting: Client[] = [];
  // Set in callNext: declared through a cast so that the loop does not take it for always null.
  let serving = null as { client: Client; endsAt: number } | null;
  let started = false;
  let now = min(plan.providerStart, pending[0]?.checkInAt ?? Infinity);
  const answers: Answer[] = [];

  const ask = () => {
    if (waiting.length === 0) return;
    const snapshot: QueueSnapshot = {
      now,
      history: history.slice(-HISTORY_KEPT),
      serving: serving && { bookedMinutes: serving.client.bookedMinutes, calledAt: serving.client.calledAt! },
      waiting: waiting.map((c) => ({ bookedMinutes: c.bookedMinutes, notBefore: c.appointmentStart, checkedInAt: c.checkInAt! })),
    };
    // The estimator as the service runs it: its own PACE_SAMPLES of history.
    const turns = estimate({ ...snapshot, history: snapshot.history.slice(-PACE_SAMPLES) }).turns;
    const ruleWaits = rules.map((rule) => rule.waits(snapshot).map(round));
    if (bound) ruleWaits.push(clairvoyantWaits(plan, regime, { now, pending, waiting, serving, started }, bound, BOUND_PATHS).map(round));
    waiting.forEach((client, i) =>
      answers.push({
        clientId: client.id,
        askedAt: now,
        waits: [turns[i].waitMinutes, ...ruleWaits.map((w) => w[i])],
        range: turns[i].rangeMinutes,
      }),
    );
  };
  const callNext = () => {
    if (!started || serving || waiting.length === 0 || queueAt(waiting[0]) > now) return;
    const client = waiting.shift()!;
    client.calledAt = now;
    const dayFraction = min(1, max(0, (now - plan.opening) / plan.lengthMs));
    serving = { client, endsAt: now + client.bookedMinutes * regime.pace(dayFraction) * client.noise * MINUTE_MS };
    ask();
  };

  for (;;) {
    const nextCheckIn = pending[0]?.checkInAt ?? Infinity;
    const serviceEnd = serving?.endsAt ?? Infinity;
    const start = started ? Infinity : plan.providerStart;
    const leave = min(...waiting.map((c) => c.leavesAt ?? Infinity));
    const wake = started && !serving && waiting.length > 0 ? queueAt(waiting[0]) : Infinity;
    const t = min(nextCheckIn, serviceEnd, start, leave, max(wake, now));
    if (t === Infinity) break;
    now = t;
    if (t === serviceEnd && serving) {
      history.push({
        bookedMinutes: serving.client.bookedMinutes,
        calledAt: serving.client.calledAt!,
        finishedAt: now,
        readyAt: max(serving.client.checkInAt!, serving.client.appointmentStart ?? -Infinity),
      });
      if (history.length > HISTORY_KEPT) history.splice(0, history.length - HISTORY_KEPT);
      serving = null;
    } else if (t === nextCheckIn) {
      const client = pending.shift()!;
      const at = waiting.findIndex((c) => queueAt(c) > queueAt(client));
      waiting.splice(at === -1 ? waiting.length : at, 0, client);
      ask();
    } else if (t === start) {
      started = true;
    } else if (t === leave) {
      waiting.splice(
        waiting.findIndex((c) => c.leavesAt === leave),
        1,
      );
    }
    callNext();
  }
  return answers;
}

/** Runs `days` consecutive days of one regime and scores the estimator and each rule. */
export function scoreRegime(
  regime: Regime,
  days: number,
  seed: number,
  rules: readonly WaitRule[],
  options: { estimate?: Estimator; bound?: boolean } = {},
): RegimeScore {
  const { estimate = expectedWait, bound = false } = options;
  const random = mulberry32(seed);
  // Its own stream, so that the days are the same with the bound and without.
  const boundRandom = bound ? mulberry32(seed ^ 0xb0b0) : null;
  const history: MeasuredService[] = [];
  const errors = new Float64Array(rules.length + 2);
  let scored = 0;
  let covered = 0;
  for (let day = 0; day < days; day++) {
    const plan = planDay(regime, random, FIRST_OPENING + day * DAY_MS);
    const byId = new Map(plan.clients.map((c) => [c.id, c]));
    for (const answer of simulateDay(plan, regime, history, rules, estimate, boundRandom)) {
      const calledAt = byId.get(answer.clientId)!.calledAt;
      if (calledAt === null) continue;
      const real = (calledAt - answer.askedAt) / MINUTE_MS;
      answer.waits.forEach((wait, i) => (errors[i] += abs(wait - real)));
      if (round(real) >= answer.range[0] && round(real) <= answer.range[1]) covered++;
      scored++;
    }
  }
  return {
    regime: regime.name,
    days,
    answers: scored,
    estimator: { name: 'estimator', meanAbsoluteError: errors[0] / scored },
    bound: bound ? { name: 'bound', meanAbsoluteError: errors[rules.length + 1] / scored } : null,
    coverage: covered / scored,
    rules: rules.map((rule, i) => ({ name: rule.name, meanAbsoluteError: errors[i + 1] / scored })),
  };
}
