import { nextStreak, Orderable, queueOrder } from './queue-order';

const MINUTE = 60_000;
const TEN = Date.parse('2030-03-04T10:00:00.000Z');
const at = (hhmm: string) => TEN + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)) - 600) * MINUTE;

/**
 * A waiting entry by name: `P` names a priority one. `queue` is when it stands in line (an appointment's
 * start, a walk-in's check-in), `checkedIn` breaks ties; ids follow the order of the table's lines.
 */
function line(...specs: [name: string, queue: string, checkedIn?: string][]): (Orderable & { name: string })[] {
  return specs.map(([name, queue, checkedIn], i) => ({
    id: i + 1,
    name,
    priority: name.startsWith('P'),
    queueAt: at(queue),
    checkedInAt: at(checkedIn ?? queue),
  }));
}

describe(queueOrder.name, () => {
  it.each<[string, ReturnType<typeof line>, number, number, string[]]>([
    ['an empty queue', [], 0, 2, []],
    [
      'no priority: appointment start, a walk-in by its check-in',
      line(['A1030', '10:30'], ['W1020', '10:20'], ['A1015', '10:15']),
      0,
      2,
      ['A1015', 'W1020', 'A1030'],
    ],
    [
      'ties keep check-in order',
      line(['A2', '10:30', '10:05'], ['A1', '10:30', '10:01'], ['W', '10:30', '10:30']),
      0,
      2,
      ['A1', 'A2', 'W'],
    ],
    ['same start and check-in: the earlier id', line(['first', '10:30', '10:00'], ['second', '10:30', '10:00']), 0, 2, ['first', 'second']],
    ['a priority entry goes first', line(['R1', '10:00'], ['R2', '10:05'], ['P1', '10:30']), 0, 2, ['P1', 'R1', 'R2']],
    [
      'two priority in a row, then a regular one',
      line(['R1', '10:00'], ['R2', '10:05'], ['P1', '10:30'], ['P2', '10:31'], ['P3', '10:32']),
      0,
      2,
      ['P1', 'P2', 'R1', 'P3', 'R2'],
    ],
    [
      'the streak limit 1 alternates',
      line(['R1', '10:00'], ['R2', '10:05'], ['P1', '10:30'], ['P2', '10:31'], ['P3', '10:32']),
      0,
      1,
      ['P1', 'R1', 'P2', 'R2', 'P3'],
    ],
    ['a streak already at the limit lets a regular one go first', line(['R1', '10:00'], ['P1', '10:30']), 2, 2, ['R1', 'P1']],
    ['a streak one short of the limit allows one more', line(['R1', '10:00'], ['P1', '10:30'], ['P2', '10:31']), 1, 2, ['P1', 'R1', 'P2']],
    [
      'with nobody regular waiting, priority entries need no break',
      line(['P1', '10:00'], ['P2', '10:05'], ['P3', '10:10']),
      2,
      2,
      ['P1', 'P2', 'P3'],
    ],
    ['only regular entries ignore the streak', line(['R1', '10:00'], ['R2', '10:05']), 5, 2, ['R1', 'R2']],
    [
      'priority entries keep the base order among themselves',
      line(['P-walk-in-1020', '10:20'], ['P-appt-1015', '10:15'], ['R', '09:00']),
      0,
      2,
      ['P-appt-1015', 'P-walk-in-1020', 'R'],
    ],
    [
      'appointments and walk-ins, mixed',
      line(
        ['A1000', '10:00', '09:50'],
        ['W0955', '09:55'],
        ['P-A1100', '11:00', '09:56'],
        ['W1001', '10:01'],
        ['P-W1002', '10:02'],
        ['A1030', '10:30', '09:40'],
      ),
      0,
      2,
      ['P-W1002', 'P-A1100', 'W0955', 'A1000', 'W1001', 'A1030'],
    ],
    [
      'a high limit lets every priority entry through first',
      line(['R1', '10:00'], ['P1', '10:30'], ['P2', '10:31'], ['P3', '10:32']),
      0,
      100,
      ['P1', 'P2', 'P3', 'R1'],
    ],
  ])('%s', (_name, waiting, streak, limit, expected) => {
    expect(queueOrder(waiting, streak, limit).map((entry) => entry.name)).toEqual(expected);
  });

  it('changes nothing it is given', () => {
    const waiting = line(['R1', '10:00'], ['P1', '10:30']);
    const copy = structuredClone(waiting);
    queueOrder(waiting, 0, 2);
    expect(waiting).toEqual(copy);
  });

  it('never puts more than the limit of priority entries in a row ahead of a waiting regular one', () => {
    for (let limit = 1; limit <= 4; limit++) {
      for (let streak = 0; streak <= limit; streak++) {
        const waiting = line(
          ['R1', '10:00'],
          ['R2', '10:01'],
          ['P1', '10:02'],
          ['P2', '10:03'],
          ['P3', '10:04'],
          ['P4', '10:05'],
          ['P5', '10:06'],
        );
        let inARow = streak;
        const order = queueOrder(waiting, streak, limit);
        order.forEach((entry, i) => {
          const regularLeft = order.slice(i + 1).some((later) => !later.priority);
          if (entry.priority && regularLeft) expect(++inARow).toBeLessThanOrEqual(limit);
          else if (!entry.priority) inARow = 0;
        });
      }
    }
  });
});

describe(nextStreak.name, () => {
  it.each([
    ['a priority call passing over a regular entry counts', 1, true, true, 2],
    ['a regular call ends the streak', 2, false, true, 0],
    ['a priority call with nobody regular waiting passes nobody over', 1, true, false, 0],
  ])('%s', (_name, streak, priority, regularStillWaiting, expected) => {
    expect(nextStreak(streak, { priority }, regularStillWaiting)).toBe(expected);
  });
});
