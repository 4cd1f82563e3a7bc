import {
  averageServiceMinutes,
  expectedServiceMinutes,
  expectedTurns,
  learnPace,
  MeasuredService,
  PACE_ALPHA,
  QueueTiming,
  WaitingEntry,
} from './expected-wait';

const MINUTE = 60_000;
/** 09:00 on some day, as epoch ms; times below are minutes after it. */
const NINE = Date.parse('2026-07-28T09:00:00.000Z');
const at = (minutes: number) => NINE + minutes * MINUTE;

const walkIn = (bookedMinutes = 15): WaitingEntry => ({ bookedMinutes, notBefore: null });
const appointment = (startMinutes: number, bookedMinutes = 15): WaitingEntry => ({ bookedMinutes, notBefore: at(startMinutes) });
/** A service booked for `booked` minutes that really took `took`, finished at minute `endedAt`. */
const service = (booked: number, took: number, endedAt = 0): MeasuredService => ({
  bookedMinutes: booked,
  calledAt: at(endedAt) - took * MINUTE,
  finishedAt: at(endedAt),
});
const ewma = (ratios: number[]) => ratios.reduce((pace, ratio) => (1 - PACE_ALPHA) * pace + PACE_ALPHA * ratio, 1);

describe(learnPace.name, () => {
  it.each<[string, MeasuredService[], number]>([
    ['no service yet: exactly as booked', [], 1],
    ['one service as long as booked', [service(15, 15)], 1],
    ['one service twice as long as booked', [service(15, 30)], 1.3],
    ['one service half as long as booked', [service(30, 15)], 0.85],
    ['a ratio, not minutes: 45 booked, 54 taken', [service(45, 54)], ewma([1.2])],
    ['three long services in a row', [service(15, 30), service(15, 30), service(15, 30)], ewma([2, 2, 2])],
    ['long then as booked', [service(15, 30), service(15, 15)], ewma([2, 1])],
    ['order matters: the latest weighs most', [service(15, 15), service(15, 30)], ewma([1, 2])],
    ['a faster provider', [service(30, 20), service(30, 20), service(30, 20), service(30, 20)], ewma([2 / 3, 2 / 3, 2 / 3, 2 / 3])],
    ['mixed lengths, the same 20 % overrun', [service(15, 18), service(60, 72), service(30, 36)], ewma([1.2, 1.2, 1.2])],
    ['a forgotten "next" over lunch counts as 4× at most', [service(15, 180)], ewma([4])],
    ['a service of a minute counts, at ¼ at least', [service(15, 1)], ewma([0.25])],
    ['"next" pressed twice (under a minute) is no measurement', [service(15, 30), service(15, 0.5)], ewma([2])],
    ['a zero-length service is no measurement', [service(15, 0)], 1],
  ])('%s', (_name, services, expected) => {
    expect(learnPace(services)).toBeCloseTo(expected, 10);
  });

  it('adapts after each service and converges on the real ratio', () => {
    const history: MeasuredService[] = [];
    const paces = [learnPace(history)];
    for (let i = 0; i < 20; i++) {
      history.push(service(15, 30, i * 30));
      paces.push(learnPace(history));
    }
    for (let i = 1; i < paces.length; i++) expect(paces[i]).toBeGreaterThan(paces[i - 1]);
    expect(paces[1]).toBeCloseTo(1.3, 10);
    expect(paces[2]).toBeCloseTo(1.51, 10);
    expect(paces[20]).toBeGreaterThan(1.999);
    expect(paces[20]).toBeLessThan(2);
  });
});

describe(averageServiceMinutes.name, () => {
  it.each<[string, MeasuredService[], number | null]>([
    ['nothing measured yet', [], null],
    ['only a double press', [service(15, 0.2)], null],
    ['one service as booked', [service(15, 15)], 15],
    ['one 30-minute service booked for 15', [service(15, 30)], 0.7 * 15 + 0.3 * 30],
    ['two services', [service(30, 30), service(15, 45)], 0.7 * 30 + 0.3 * 45],
    ['a double press between two services is skipped', [service(30, 30), service(15, 0.3), service(15, 45)], 0.7 * 30 + 0.3 * 45],
  ])('%s', (_name, services, expected) => {
    const average = averageServiceMinutes(services);
    if (expected === null) expect(average).toBeNull();
    else expect(average).toBeCloseTo(expected, 10);
  });
});

describe(expectedServiceMinutes.name, () => {
  it.each([
    [15, 1, 15],
    [30, 1, 30],
    [15, 1.4, 21],
    [60, 0.5, 30],
  ])('%i booked minutes at pace %d → %d', (booked, pace, expected) => {
    expect(expectedServiceMinutes(booked, pace)).toBeCloseTo(expected, 10);
  });
});

describe(expectedTurns.name, () => {
  const waits = (timing: QueueTiming) => expectedTurns(timing).map((turn) => turn.waitMinutes);

  it.each<[string, QueueTiming, number[]]>([
    ['an empty queue', { now: at(0), pace: 1, serving: null, waiting: [] }, []],
    ['nobody served, a walk-in is called at once', { now: at(0), pace: 1, serving: null, waiting: [walkIn()] }, [0]],
    ['walk-ins back to back', { now: at(0), pace: 1, serving: null, waiting: [walkIn(), walkIn(), walkIn()] }, [0, 15, 30]],
    [
      'what is left of the current service comes first',
      { now: at(10), pace: 1, serving: { bookedMinutes: 30, calledAt: at(0) }, waiting: [walkIn(), walkIn()] },
      [20, 35],
    ],
    [
      'a service just started: all of it is left',
      { now: at(0), pace: 1, serving: { bookedMinutes: 15, calledAt: at(0) }, waiting: [walkIn()] },
      [15],
    ],
    [
      'a provider running late: the current service overran, the next is due now',
      { now: at(40), pace: 1, serving: { bookedMinutes: 15, calledAt: at(0) }, waiting: [appointment(15), appointment(30)] },
      [0, 15],
    ],
    [
      'a provider running late: appointments already past start when their turn comes',
      {
        now: at(50),
        pace: 1,
        serving: { bookedMinutes: 30, calledAt: at(40) },
        waiting: [appointment(30), appointment(45), appointment(60)],
      },
      [20, 35, 50],
    ],
    [
      'a provider slower than booked stretches every service',
      { now: at(0), pace: 1.4, serving: { bookedMinutes: 15, calledAt: at(0) }, waiting: [walkIn(), walkIn(), walkIn()] },
      [21, 42, 63],
    ],
    [
      'a provider faster than booked shortens them',
      { now: at(0), pace: 0.8, serving: { bookedMinutes: 30, calledAt: at(0) }, waiting: [walkIn(30), walkIn(30)] },
      [24, 48],
    ],
    [
      'never before the entry’s own appointment, even when the provider is free earlier',
      { now: at(0), pace: 1, serving: null, waiting: [appointment(30)] },
      [30],
    ],
    [
      'a faster provider still waits for the appointment’s start',
      { now: at(0), pace: 0.5, serving: { bookedMinutes: 30, calledAt: at(0) }, waiting: [appointment(30), appointment(45)] },
      [30, 45],
    ],
    [
      'an idle gap before an appointment does not push the ones after it further',
      { now: at(0), pace: 1, serving: null, waiting: [walkIn(), appointment(60), appointment(75)] },
      [0, 60, 75],
    ],
    [
      'walk-ins between appointments fill the gaps',
      {
        now: at(5),
        pace: 1,
        serving: { bookedMinutes: 30, calledAt: at(0) },
        waiting: [walkIn(), walkIn(), appointment(30), walkIn(), appointment(60)],
      },
      [25, 40, 55, 70, 85],
    ],
    [
      'a walk-in after a late appointment waits for it',
      { now: at(0), pace: 1, serving: null, waiting: [appointment(45, 30), walkIn()] },
      [45, 75],
    ],
    [
      'mixed lengths at the same pace',
      { now: at(0), pace: 1.2, serving: { bookedMinutes: 60, calledAt: at(0) }, waiting: [walkIn(15), appointment(0, 45), walkIn(15)] },
      [72, 90, 144],
    ],
    [
      'the current service overran at a slow pace: still nothing is left of it',
      { now: at(100), pace: 2, serving: { bookedMinutes: 30, calledAt: at(0) }, waiting: [walkIn()] },
      [0],
    ],
    [
      'waits are whole minutes, rounded',
      { now: at(0) + 20_000, pace: 1, serving: { bookedMinutes: 15, calledAt: at(0) }, waiting: [walkIn()] },
      [15],
    ],
  ])('%s', (_name, timing, expected) => {
    expect(waits(timing)).toEqual(expected);
  });

  it('gives the instant of each turn, consistent with the wait', () => {
    const turns = expectedTurns({
      now: at(5),
      pace: 1,
      serving: { bookedMinutes: 15, calledAt: at(0) },
      waiting: [walkIn(), appointment(60)],
    });
    expect(turns).toEqual([
      { waitMinutes: 10, startsAt: at(15) },
      { waitMinutes: 55, startsAt: at(60) },
    ]);
  });

  it('waits shrink as the current service goes on, and never below zero', () => {
    const timing = (minute: number): QueueTiming => ({
      now: at(minute),
      pace: 1,
      serving: { bookedMinutes: 30, calledAt: at(0) },
      waiting: [walkIn(), walkIn()],
    });
    const first = [0, 10, 20, 30, 40].map((minute) => waits(timing(minute))[0]);
    expect(first).toEqual([30, 20, 10, 0, 0]);
  });

  it('waits grow once the provider is measured slower than booked', () => {
    const queue = (services: MeasuredService[]) =>
      waits({
        now: at(0),
        pace: learnPace(services),
        serving: { bookedMinutes: 15, calledAt: at(0) },
        waiting: [walkIn(), walkIn(), walkIn()],
      });
    const before = queue([]);
    const after = queue([service(15, 30), service(15, 30), service(15, 30)]);
    expect(before).toEqual([15, 30, 45]);
    after.forEach((wait, i) => expect(wait).toBeGreaterThan(before[i]));
    expect(after).toEqual([Math.round(15 * ewma([2, 2, 2])), Math.round(30 * ewma([2, 2, 2])), Math.round(45 * ewma([2, 2, 2]))]);
  });
});
