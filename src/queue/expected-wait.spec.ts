import { AVERAGE_ALPHA, expectedWait, MeasuredService, PACE_SAMPLES, QueueSnapshot, ServingEntry, WaitingEntry } from './expected-wait';
import { mulberry32 } from './seeded-random';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 09:00 on some day, as epoch ms; times below are minutes after it. */
const NINE = Date.parse('2026-07-28T09:00:00.000Z');
const at = (minutes: number) => NINE + minutes * MINUTE;

const walkIn = (bookedMinutes = 15): WaitingEntry => ({ bookedMinutes, notBefore: null });
const appointment = (startMinutes: number, bookedMinutes = 15): WaitingEntry => ({ bookedMinutes, notBefore: at(startMinutes) });
const serving = (calledAtMinutes: number, bookedMinutes = 15): ServingEntry => ({ bookedMinutes, calledAt: at(calledAtMinutes) });
/** A service booked for `booked` minutes that really took `took`, finished at minute `endedAt`. */
const service = (booked: number, took: number, endedAt = 0): MeasuredService => ({
  bookedMinutes: booked,
  calledAt: at(endedAt) - took * MINUTE,
  finishedAt: at(endedAt),
});
/** Services back to back, ending just before 09:00, each `took` minutes. */
const servicesTaking = (booked: number, took: readonly number[]) => {
  let end = -1;
  return took
    .map((minutes) => {
      const s = service(booked, minutes, end);
      end -= minutes;
      return s;
    })
    .reverse();
};
/** Box–Muller: a standard normal from two uniforms. */
const standardNormal = (random: () => number) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const snapshot = (parts: Partial<QueueSnapshot>): QueueSnapshot => ({ now: at(0), history: [], serving: null, waiting: [], ...parts });
const waits = (parts: Partial<QueueSnapshot>) => expectedWait(snapshot(parts)).turns.map((turn) => turn.waitMinutes);

/**
 * Before anything is measured, a service is lognormal with a mean of its booked minutes: σ = 0.45 and
 * a location as unsure as ten services would leave it (0.45 ÷ √10), so one service's minutes are
 * booked × exp(−σ²/2 + z·√(σ² + σ²/10)). These are its median, 10 % and 90 % quantiles.
 */
const PRIOR_SIGMA = 0.45;
const unmeasured = (booked: number, z: number) => booked * Math.exp(-(PRIOR_SIGMA ** 2) / 2 + z * Math.sqrt(1.1 * PRIOR_SIGMA ** 2));
const Z90 = 1.2816;

describe(expectedWait.name, () => {
  describe('waits and ranges of whole queues', () => {
    it.each<[string, Partial<QueueSnapshot>, number[][]]>([
      ['an empty queue', {}, []],
      ['nobody served: the first walk-in is called at once', { waiting: [walkIn()] }, [[0, 0, 0]]],
      [
        'nothing measured yet: one service ahead is lognormal around its booking',
        { waiting: [walkIn(), walkIn()] },
        [
          [0, 0, 0],
          [unmeasured(15, -Z90), unmeasured(15, 0), unmeasured(15, Z90)],
        ],
      ],
      [
        'a 45-minute booking ahead takes three times as long',
        { waiting: [walkIn(45), walkIn()] },
        [
          [0, 0, 0],
          [unmeasured(45, -Z90), unmeasured(45, 0), unmeasured(45, Z90)],
        ],
      ],
      [
        'a service just started: all of it is ahead',
        { serving: serving(0), waiting: [walkIn()] },
        [[unmeasured(15, -Z90), unmeasured(15, 0), unmeasured(15, Z90)]],
      ],
      ['never before the appointment, even when the provider is free earlier', { waiting: [appointment(30)] }, [[30, 30, 30]]],
      [
        'an idle gap before an appointment does not push the ones after it',
        { waiting: [walkIn(), appointment(60), appointment(75)] },
        [
          [0, 0, 0],
          [60, 60, 60],
          [75, 75, 75 + unmeasured(15, Z90) - 15],
        ],
      ],
      [
        'a walk-in after a late appointment waits for it and its service',
        { waiting: [appointment(45, 30), walkIn()] },
        [
          [45, 45, 45],
          [45 + unmeasured(30, -Z90), 45 + unmeasured(30, 0), 45 + unmeasured(30, Z90)],
        ],
      ],
    ])('%s', (_name, parts, expected) => {
      const turns = expectedWait(snapshot(parts)).turns;
      expect(turns).toHaveLength(expected.length);
      turns.forEach((turn, i) => {
        const [low, wait, high] = expected[i];
        // Quantiles of 400 sample paths, in whole minutes: within a minute (or 4 %) of the exact ones.
        const near = (value: number, exact: number) => expect(Math.abs(value - exact)).toBeLessThanOrEqual(Math.max(1, 0.04 * exact));
        near(turn.waitMinutes, wait);
        near(turn.rangeMinutes[0], low);
        near(turn.rangeMinutes[1], high);
      });
    });
  });

  describe('what holds of every answer', () => {
    const random = mulberry32(2026);
    const queues: [string, QueueSnapshot][] = Array.from({ length: 40 }, (_v, q) => {
      const history = servicesTaking(
        15,
        Array.from({ length: q * 4 }, () => 15 * Math.exp(0.5 * standardNormal(random))),
      );
      const waiting = Array.from({ length: 1 + (q % 8) }, (_w, i) => (i % 3 === 2 ? appointment(20 * i, 30) : walkIn()));
      const now = at(Math.floor(random() * 60));
      return [`queue ${q}`, { now, history, serving: q % 2 ? serving(-Math.floor(random() * 50)) : null, waiting }];
    });

    it.each(queues)('%s: low ≤ wait ≤ high, later in line waits no less, never before the appointment', (_name, queue) => {
      const { turns } = expectedWait(queue);
      expect(turns).toHaveLength(queue.waiting.length);
      turns.forEach((turn, i) => {
        expect(turn.rangeMinutes[0]).toBeLessThanOrEqual(turn.waitMinutes);
        expect(turn.waitMinutes).toBeLessThanOrEqual(turn.rangeMinutes[1]);
        expect(turn.rangeMinutes[0]).toBeGreaterThanOrEqual(0);
        expect(turn.waitMinutes).toBe(Math.round((turn.startsAt - queue.now) / MINUTE));
        const notBefore = queue.waiting[i].notBefore;
        if (notBefore !== null) expect(turn.startsAt).toBeGreaterThanOrEqual(notBefore);
        if (i > 0) expect(turn.startsAt).toBeGreaterThanOrEqual(turns[i - 1].startsAt);
      });
    });

    it('answers the same snapshot the same way', () => {
      const [, queue] = queues[13];
      expect(expectedWait(queue)).toEqual(expectedWait(queue));
    });
  });

  describe('the service under way', () => {
    const firstInLine = (elapsed: number, history: MeasuredService[] = []) =>
      expectedWait(snapshot({ now: at(elapsed), history, serving: serving(0), waiting: [walkIn()] })).turns[0];

    it('its expected end moves later the longer it lasts, and something is always left of it', () => {
      const elapsed = [0, 5, 10, 15, 20, 30, 45, 60, 90];
      const ends = elapsed.map((minutes) => minutes + firstInLine(minutes).waitMinutes);
      for (let i = 1; i < ends.length; i++) expect(ends[i]).toBeGreaterThanOrEqual(ends[i - 1]);
      elapsed.forEach((minutes) => expect(firstInLine(minutes).waitMinutes).toBeGreaterThan(0));
    });

    it.each([
      ['just started', 0, 10, 17],
      ['a third in', 5, 6, 12],
      ['past its booking', 20, 4, 10],
      ['twice its booking', 30, 4, 12],
    ])('%s (%i minutes in): the rest is between %i and %i minutes', (_name, elapsed, low, high) => {
      const wait = firstInLine(elapsed).waitMinutes;
      expect(wait).toBeGreaterThanOrEqual(low);
      expect(wait).toBeLessThanOrEqual(high);
    });

    it('what is left shrinks while a service is young', () => {
      expect(firstInLine(0).waitMinutes).toBeGreaterThan(firstInLine(5).waitMinutes);
      expect(firstInLine(5).waitMinutes).toBeGreaterThan(firstInLine(10).waitMinutes);
    });
  });

  describe('learning the pace', () => {
    const paceOf = (history: MeasuredService[], now = at(0)) => expectedWait(snapshot({ now, history })).pace;

    it.each<[string, MeasuredService[], number, number]>([
      ['nothing measured: as booked', [], 1, 1],
      ['one service twice as long moves it a little', servicesTaking(15, [30]), 1.03, 1.15],
      ['thirty services twice as long: most of the way', servicesTaking(15, Array(30).fill(30)), 1.6, 1.8],
      ['the whole window twice as long: nearly there', servicesTaking(15, Array(PACE_SAMPLES).fill(30)), 1.88, 2],
      ['a ratio, not minutes: 45 booked, 54 taken, thirty times', servicesTaking(45, Array(30).fill(54)), 1.1, 1.2],
      ['a faster provider', servicesTaking(30, Array(30).fill(20)), 0.7, 0.8],
      ['"next" pressed twice (under a minute) is no measurement', servicesTaking(15, Array(30).fill(0.5)), 1, 1],
    ])('%s', (_name, history, low, high) => {
      const pace = paceOf(history);
      expect(pace).toBeGreaterThanOrEqual(low);
      expect(pace).toBeLessThanOrEqual(high);
    });

    it('counts a forgotten "next" over lunch as 4× its booking at most', () => {
      // Called every quarter hour whatever they took, so that only the last one's length differs.
      const lastTaking = (minutes: number) =>
        Array.from({ length: 30 }, (_v, i) => ({ bookedMinutes: 15, calledAt: at(15 * (i - 30)), finishedAt: at(15 * (i - 29)) })).map(
          (s, i) => (i === 29 ? { ...s, finishedAt: s.calledAt + minutes * MINUTE } : s),
        );
      expect(paceOf(lastTaking(600))).toBeCloseTo(paceOf(lastTaking(60)), 10);
      expect(paceOf(lastTaking(60))).toBeGreaterThan(paceOf(lastTaking(45)));
    });

    it('a slower provider makes every wait longer', () => {
      const queue = { serving: serving(0), waiting: [walkIn(), walkIn(), walkIn()] };
      const before = waits(queue);
      const after = waits({ ...queue, history: servicesTaking(15, Array(20).fill(25)) });
      after.forEach((wait, i) => expect(wait).toBeGreaterThan(before[i]));
    });

    it('follows a provider who is quick in the morning and slow in the afternoon, every day', () => {
      const random = mulberry32(7);
      const history: MeasuredService[] = [];
      for (let day = -5; day < 0; day++) {
        let t = NINE + day * DAY;
        for (let i = 0; i < 30; i++) {
          const booked = 15;
          const ratio = (t - (NINE + day * DAY) < 4 * HOUR ? 0.7 : 1.5) * Math.exp(0.2 * standardNormal(random));
          history.push({ bookedMinutes: booked, calledAt: t, finishedAt: t + booked * ratio * MINUTE });
          t += booked * ratio * MINUTE;
        }
      }
      // Really 0.7 until 13:00 and 1.5 after: the kernel smooths the step over an hour or two.
      expect(paceOf(history, at(60))).toBeLessThan(0.85);
      expect(paceOf(history, at(7 * 60))).toBeGreaterThan(1.3);
    });

    it('moves with a day unlike the others, as far as days differ', () => {
      const random = mulberry32(11);
      const history: MeasuredService[] = [];
      const dayRatios = [0.8, 1.25, 0.9, 1.3, 1.0];
      dayRatios.forEach((ratio, d) => {
        let t = NINE + (d - dayRatios.length) * DAY;
        for (let i = 0; i < 25; i++) {
          const took = 15 * ratio * Math.exp(0.1 * standardNormal(random));
          history.push({ bookedMinutes: 15, calledAt: t, finishedAt: t + took * MINUTE });
          t += took * MINUTE;
        }
      });
      const usual = paceOf(history);
      const today = [...history, ...Array.from({ length: 6 }, (_v, i) => service(15, 24, 24 * (i + 1)))];
      expect(paceOf(today, at(6 * 24 + 1))).toBeGreaterThan(usual + 0.25);
    });
  });

  describe('before the day’s first call', () => {
    /**
     * Five past days of ten 15-minute services each; the provider started at `startMinutes` after
     * 09:00 (the first client had checked in at 08:50 and waited) or, with `calledOnArrival`, called
     * the first client the moment they checked in at that time.
     */
    const pastDays = (startMinutes: readonly number[], calledOnArrival = false) =>
      startMinutes.flatMap((start, d) =>
        Array.from({ length: 10 }, (_v, i): MeasuredService => {
          const calledAt = at(start + 15 * i) + (d - startMinutes.length) * DAY;
          return {
            bookedMinutes: 15,
            calledAt,
            finishedAt: calledAt + 15 * MINUTE,
            readyAt: i === 0 && calledOnArrival ? calledAt : at(-10) + (d - startMinutes.length) * DAY,
          };
        }),
      );
    const firstWait = (history: MeasuredService[], nowMinutes: number, checkedInMinutes: number) =>
      waits({ now: at(nowMinutes), history, waiting: [{ ...walkIn(), checkedInAt: at(checkedInMinutes) }] })[0];

    it.each<[string, MeasuredService[], number, number, number, number]>([
      ['a provider who starts at 09:30 every day, a client waiting since 09:00: at 09:30', pastDays([30, 30, 30, 30, 30]), 10, 0, 20, 20],
      ['starts between 09:10 and 09:50: about the middle of the later ones', pastDays([10, 20, 30, 40, 50]), 15, 0, 15, 25],
      ['past every start seen: at once', pastDays([10, 20, 30]), 60, 0, 0, 0],
      ['just checked in after every start seen: at once', pastDays([10, 20, 30]), 40, 40, 0, 0],
      ['just checked in before every start seen: at the usual start', pastDays([30, 30, 30]), 20, 20, 10, 10],
      ['days that began as the first client came say only "started by then": at once', pastDays([30, 30, 30], true), 35, 35, 0, 0],
    ])('%s', (_name, history, nowMinutes, checkedInMinutes, low, high) => {
      const wait = firstWait(history, nowMinutes, checkedInMinutes);
      expect(wait).toBeGreaterThanOrEqual(low);
      expect(wait).toBeLessThanOrEqual(high);
    });

    it.each(Array.from({ length: 24 }, (_v, hours) => [hours]))(
      'the same answers with the whole day %i hours later on the clock (a working day across midnight UTC is one day)',
      (hours) => {
        const shifted = (history: MeasuredService[]) =>
          history.map((s) => ({
            ...s,
            calledAt: s.calledAt + hours * HOUR,
            finishedAt: s.calledAt + hours * HOUR + 15 * MINUTE,
            readyAt: s.readyAt! + hours * HOUR,
          }));
        const answer = (history: MeasuredService[], shift: number, nowMinutes: number, checkedInMinutes: number) =>
          expectedWait({
            now: at(nowMinutes) + shift,
            history,
            serving: null,
            waiting: [{ ...walkIn(), checkedInAt: at(checkedInMinutes) + shift }],
          }).turns.map((turn) => [turn.waitMinutes, turn.rangeMinutes]);
        for (const [starts, nowMinutes, checkedIn] of [
          [[10, 20, 30, 40, 50], 15, 0],
          [[30, 30, 30], 20, 20],
          [[10, 20, 30], 60, 0],
        ] as const) {
          const history = pastDays(starts);
          expect(answer(shifted(history), hours * HOUR, nowMinutes, checkedIn)).toEqual(answer(history, 0, nowMinutes, checkedIn));
        }
      },
    );

    it('once the provider is at work, an idle provider calls at once', () => {
      const history = [...pastDays([30, 30, 30]), service(15, 15, 40)];
      expect(firstWait(history, 45, 45)).toBe(0);
    });
  });

  describe('the average service time shown', () => {
    it.each<[string, MeasuredService[], number | null]>([
      ['nothing measured yet', [], null],
      ['only a double press', [service(15, 0.2)], null],
      ['one service as booked', [service(15, 15)], 15],
      ['one 30-minute service booked for 15', [service(15, 30)], (1 - AVERAGE_ALPHA) * 15 + AVERAGE_ALPHA * 30],
      ['two services', [service(30, 30), service(15, 45)], (1 - AVERAGE_ALPHA) * 30 + AVERAGE_ALPHA * 45],
      [
        'a double press between two services is skipped',
        [service(30, 30), service(15, 0.3), service(15, 45)],
        (1 - AVERAGE_ALPHA) * 30 + AVERAGE_ALPHA * 45,
      ],
    ])('%s', (_name, history, expected) => {
      const { averageServiceMinutes } = expectedWait(snapshot({ history }));
      if (expected === null) expect(averageServiceMinutes).toBeNull();
      else expect(averageServiceMinutes).toBeCloseTo(expected, 10);
    });
  });
});

describe(`${expectedWait.name}: degenerate inputs`, () => {
  const random = mulberry32(404);
  /** A full window of services booked 15 minutes, lognormal around it (σ 0.4), back to back before 09:00. */
  const measuredWindow = servicesTaking(
    15,
    Array.from({ length: PACE_SAMPLES }, () => 15 * Math.exp(0.4 * standardNormal(random) - 0.08)),
  );
  const identical = servicesTaking(15, Array(PACE_SAMPLES).fill(15));
  const three = [walkIn(), appointment(40, 30), walkIn()];

  describe('every answer is whole, finite, never negative, low ≤ wait ≤ high, never before its appointment', () => {
    it.each<[string, Partial<QueueSnapshot>]>([
      ['empty history, a service under way', { serving: serving(-5), waiting: three }],
      ['a history of one', { history: [service(15, 20)], serving: serving(-5), waiting: three }],
      ['every service took exactly its booking (spread 0)', { history: identical, serving: serving(-5), waiting: three }],
      ['spread 0 and the service under way overruns', { history: identical, serving: serving(-40), waiting: three }],
      ['a huge booking', { history: measuredWindow, serving: serving(-5, 100_000), waiting: [walkIn(100_000), walkIn()] }],
      ['an appointment decades away', { history: measuredWindow, waiting: [appointment(60 * 24 * 365 * 30), walkIn()] }],
      ['the service under way called in the future (clock skew)', { history: measuredWindow, serving: serving(5), waiting: three }],
      [
        'history finishing in the future (clock skew)',
        { history: measuredWindow.map((s) => ({ ...s, calledAt: s.calledAt + HOUR, finishedAt: s.finishedAt + HOUR })), waiting: three },
      ],
      ['checked in in the future (clock skew)', { history: measuredWindow, waiting: [{ ...walkIn(), checkedInAt: at(10) }, walkIn()] }],
      ['350 waiting', { history: measuredWindow, serving: serving(-5), waiting: Array.from({ length: 350 }, () => walkIn()) }],
      ['bookings of 0 minutes', { history: measuredWindow, serving: serving(-5, 0), waiting: [walkIn(0), walkIn()] }],
      [
        'a negative booking (no database constraint forbids one)',
        { history: measuredWindow, serving: serving(-5, -15), waiting: [walkIn(-15), walkIn()] },
      ],
    ])('%s', (_name, parts) => {
      const queue = snapshot(parts);
      const result = expectedWait(queue);
      expect(result.turns).toHaveLength(queue.waiting.length);
      expect(Number.isFinite(result.pace) && result.pace > 0).toBe(true);
      result.turns.forEach((turn, i) => {
        const [low, high] = turn.rangeMinutes;
        [low, turn.waitMinutes, high].forEach((value) => expect(Number.isInteger(value) && value >= 0).toBe(true));
        expect(low).toBeLessThanOrEqual(turn.waitMinutes);
        expect(turn.waitMinutes).toBeLessThanOrEqual(high);
        expect(turn.startsAt).toBeGreaterThanOrEqual(queue.now);
        const notBefore = queue.waiting[i].notBefore;
        if (notBefore !== null) expect(turn.startsAt).toBeGreaterThanOrEqual(notBefore);
      });
    });
  });

  describe('the service under way, once the provider’s services are measured', () => {
    const firstInLine = (elapsed: number) =>
      expectedWait(snapshot({ now: at(elapsed), history: measuredWindow, serving: serving(0), waiting: [walkIn()] })).turns[0];

    it.each([[30], [45], [60], [120], [600]])('%i minutes into a 15-minute booking, something is still left of it', (elapsed) => {
      const turn = firstInLine(elapsed);
      expect(turn.waitMinutes).toBeGreaterThan(0);
      expect(turn.rangeMinutes[1]).toBeGreaterThan(turn.rangeMinutes[0]);
    });

    it('its expected end moves later the longer it lasts', () => {
      const ends = [20, 30, 45, 60, 90, 120].map((minutes) => minutes + firstInLine(minutes).waitMinutes);
      for (let i = 1; i < ends.length; i++) expect(ends[i]).toBeGreaterThan(ends[i - 1]);
    });
  });

  describe('the provider’s start, when the window of services is full', () => {
    /**
     * Eleven past days of 28 quarter-hour services from 09:00, each client having waited 5 minutes: the
     * repository's window (the latest PACE_SAMPLES done entries) begins part-way through the first day.
     */
    const days = Array.from({ length: 11 * 28 }, (_v, i): MeasuredService => {
      const calledAt = at(15 * (i % 28)) + (Math.floor(i / 28) - 11) * DAY;
      return { bookedMinutes: 15, calledAt, finishedAt: calledAt + 15 * MINUTE, readyAt: calledAt - 5 * MINUTE };
    });
    /** "next" pressed twice: a done entry of a few seconds, which the repository counts in its window. */
    const doublePress = (after: MeasuredService): MeasuredService => ({
      bookedMinutes: 15,
      calledAt: after.finishedAt,
      finishedAt: after.finishedAt + 2_000,
      readyAt: after.finishedAt - MINUTE,
    });
    const withDoublePress = [...days.slice(-(PACE_SAMPLES - 1), -10), doublePress(days[days.length - 11]), ...days.slice(-10)];
    const firstWait = (history: MeasuredService[]) =>
      expectedWait(snapshot({ now: at(10), history, waiting: [{ ...walkIn(), checkedInAt: at(-10) }] })).turns[0];

    it.each<[string, MeasuredService[]]>([
      ['the latest PACE_SAMPLES services', days.slice(-PACE_SAMPLES)],
      ['the same with a double press among them', withDoublePress],
    ])('%s: past every start seen (09:00), the provider is taken to start at once', (_name, history) => {
      expect(history).toHaveLength(PACE_SAMPLES);
      expect(firstWait(history).waitMinutes).toBe(0);
    });
  });
});

describe(`${expectedWait.name}: where the provider's day begins`, () => {
  const MIDNIGHT = Date.parse('2026-07-28T00:00:00.000Z');
  /** Clock time "hh:mm" today (UTC), `days` later. */
  const clock = (time: string, days = 0) => {
    const [h, m] = time.split(':').map(Number);
    return MIDNIGHT + days * DAY + h * HOUR + m * MINUTE;
  };
  /**
   * Five past days, each with sessions given as [first call, number of 15-minute services]; each
   * session's first client had waited 10 minutes (an exact start).
   */
  const pastDays = (sessions: readonly (readonly [string, number])[], days = 5) =>
    Array.from({ length: days }, (_v, d) => d - days).flatMap((day) =>
      sessions.flatMap(([first, count]) =>
        Array.from({ length: count }, (_w, i): MeasuredService => {
          const calledAt = clock(first, day) + 15 * i * MINUTE;
          return { bookedMinutes: 15, calledAt, finishedAt: calledAt + 15 * MINUTE, readyAt: clock(first, day) - 10 * MINUTE };
        }),
      ),
    );
  const firstWait = (history: MeasuredService[], checkIn: string) =>
    expectedWait({ now: clock(checkIn), history, serving: null, waiting: [{ ...walkIn(), checkedInAt: clock(checkIn) }] }).turns[0]
      .waitMinutes;

  it.each<[string, MeasuredService[], string, number]>([
    ['09:00–17:00 every day; a client at 06:00 (origin about 00:52): 180 minutes', pastDays([['09:00', 32]]), '06:00', 180],
    ['09:00 to 01:00 (origin 05:00); a client at 06:00: 180 minutes', pastDays([['09:00', 64]]), '06:00', 180],
    ['09:00 to 00:00 (origin 04:30); a client at 06:00: 180 minutes', pastDays([['09:00', 60]]), '06:00', 180],
    ['one past service at 09:00; a client at 06:00: 180 minutes', pastDays([['09:00', 1]], 1), '06:00', 180],
    [
      'every call of one day at the same minute (09:00)',
      [0, 1, 2].map((i) => ({
        bookedMinutes: 15,
        calledAt: clock('09:00', -1),
        finishedAt: clock('09:00', -1) + (i + 2) * MINUTE,
        readyAt: clock('08:50', -1),
      })),
      '06:00',
      180,
    ],
  ])('%s', (_name, history, checkIn, minutes) => {
    expect(firstWait(history, checkIn)).toBeGreaterThanOrEqual(minutes - 2);
    expect(firstWait(history, checkIn)).toBeLessThanOrEqual(minutes + 2);
  });

  it.each<[string, MeasuredService[], string, number]>([
    // The origin lies halfway through the night (about 00:52): a client before it is late in the day,
    // past every day's work, so the next start is tomorrow's 09:00.
    ['09:00–17:00 every day; a client at 00:30, before the origin: 510 minutes', pastDays([['09:00', 32]]), '00:30', 510],
    // Two shifts a day, 07:00–10:45 and 19:00–22:45, the gaps between them equal: whichever is taken for
    // the night, each past day's next shift is the one that counts, and the other says nothing.
    [
      'two shifts (07:00, 19:00); a client at 06:30: 30 minutes',
      pastDays([
        ['07:00', 16],
        ['19:00', 16],
      ]),
      '06:30',
      30,
    ],
    [
      'two shifts (07:00, 19:00); a client at 18:30: 30 minutes',
      pastDays([
        ['07:00', 16],
        ['19:00', 16],
      ]),
      '18:30',
      30,
    ],
  ])('%s', (_name, history, checkIn, minutes) => {
    expect(firstWait(history, checkIn)).toBeGreaterThanOrEqual(minutes - 2);
    expect(firstWait(history, checkIn)).toBeLessThanOrEqual(minutes + 2);
  });

  // Equal gaps: which one is "the night" depends on where midnight UTC falls; the answer must not.
  it.each(Array.from({ length: 24 }, (_v, hours) => [hours]))(
    'two shifts with equal gaps between them: the same answer with the day %i hours later on the clock',
    (hours) => {
      const history = pastDays([
        ['07:00', 16],
        ['19:00', 16],
      ]);
      const shifted = history.map((s) => ({
        ...s,
        calledAt: s.calledAt + hours * HOUR,
        finishedAt: s.finishedAt + hours * HOUR,
        readyAt: s.readyAt! + hours * HOUR,
      }));
      const answer = (services: MeasuredService[], shift: number) =>
        expectedWait({
          now: clock('18:30') + shift,
          history: services,
          serving: null,
          waiting: [{ ...walkIn(), checkedInAt: clock('18:30') + shift }],
        }).turns[0].waitMinutes;
      expect(answer(shifted, hours * HOUR)).toBe(answer(history, 0));
    },
  );
});
