import { QueueEntryEntity, QueueStatus } from './entities/queue-entry.entity';
import { expectedWait, MeasuredService } from './expected-wait';
import { QueueState } from './queue.repository';
import { entryView, queueView } from './queue-view';

const MINUTE = 60_000;
const NINE = Date.parse('2030-03-04T14:00:00.000Z');
const at = (minutes: number) => NINE + minutes * MINUTE;

let nextId = 1;
const entry = (status: QueueStatus, parts: Partial<QueueEntryEntity> = {}): QueueEntryEntity => ({
  id: nextId++,
  providerId: 7,
  clientId: 100 + nextId,
  appointmentId: null,
  date: '2030-03-04',
  status,
  queueAt: at(0),
  appointmentStartAt: null,
  bookedMinutes: 15,
  checkedInAt: at(0),
  calledAt: status === 'called' ? at(0) : null,
  finishedAt: null,
  ticketNumber: nextId,
  priority: false,
  notifiedPositions: [],
  remote: null,
  ...parts,
});
const state = (active: QueueEntryEntity[], services: MeasuredService[] = []): QueueState => ({
  revision: 3,
  active,
  services,
  priorityStreak: 0,
});

describe(queueView.name, () => {
  it.each<[string, QueueState, number]>([
    ['an empty queue', state([]), 0],
    ['walk-ins waiting', state([entry('waiting'), entry('waiting')]), 0],
    [
      'one served, two waiting',
      state([entry('called'), entry('waiting'), entry('waiting', { appointmentStartAt: at(60), bookedMinutes: 30 })]),
      5,
    ],
    [
      'after measured services',
      state([entry('called', { calledAt: at(-3) }), entry('waiting')], [{ bookedMinutes: 15, calledAt: at(-40), finishedAt: at(-3) }]),
      0,
    ],
  ])('%s: the waits, ranges and pace are expectedWait’s', (_name, queue, minutesLater) => {
    const now = at(minutesLater);
    const view = queueView(7, '2030-03-04', queue, now);
    const serving = queue.active.find((e) => e.status === 'called');
    const waiting = queue.active.filter((e) => e.status === 'waiting');
    const estimate = expectedWait({
      now,
      history: queue.services,
      serving: serving ? { bookedMinutes: serving.bookedMinutes, calledAt: serving.calledAt! } : null,
      waiting: waiting.map((e) => ({ bookedMinutes: e.bookedMinutes, notBefore: e.appointmentStartAt })),
    });

    expect(view.now_serving).toEqual(
      serving
        ? {
            ...entryView(serving),
            position: 0,
            expected_wait_minutes: 0,
            expected_wait_range_minutes: [0, 0],
            expected_start: new Date(serving.calledAt!).toISOString(),
          }
        : null,
    );
    const waitingViews = view.entries.filter((e) => e.status === 'waiting');
    expect(waitingViews.map((e) => [e.position, e.expected_wait_minutes, e.expected_wait_range_minutes, e.expected_start])).toEqual(
      estimate.turns.map((turn, i) => [i + 1, turn.waitMinutes, turn.rangeMinutes, new Date(turn.startsAt).toISOString()]),
    );
    waitingViews.forEach((e) => {
      const [low, high] = e.expected_wait_range_minutes!;
      expect(low).toBeLessThanOrEqual(e.expected_wait_minutes!);
      expect(e.expected_wait_minutes).toBeLessThanOrEqual(high);
    });
    expect(view.pace).toBeCloseTo(estimate.pace, 3);
    expect(view.revision).toBe(3);
  });

  it.each<[string, QueueState, number]>([
    ['nothing measured, nobody in line: a walk-in’s 15', state([]), 15],
    [
      'nothing measured: the average booking in line',
      state([entry('waiting', { bookedMinutes: 30 }), entry('waiting', { bookedMinutes: 15 })]),
      22.5,
    ],
    [
      'one measured: from its booking, 0.3 of the way to what it took',
      state([entry('waiting')], [{ bookedMinutes: 30, calledAt: at(-20), finishedAt: at(-2) }]),
      0.7 * 30 + 0.3 * 18,
    ],
    [
      'two measured: then 0.3 of the way to the second',
      state(
        [],
        [
          { bookedMinutes: 15, calledAt: at(-40), finishedAt: at(-20) },
          { bookedMinutes: 15, calledAt: at(-20), finishedAt: at(-10) },
        ],
      ),
      0.7 * (0.7 * 15 + 0.3 * 20) + 0.3 * 10,
    ],
  ])('average_service_minutes, %s', (_name, queue, expected) => {
    // Shown to one decimal.
    expect(Math.abs(queueView(7, '2030-03-04', queue, at(0)).average_service_minutes - expected)).toBeLessThanOrEqual(0.05 + 1e-9);
  });

  it.each<QueueStatus>(['done', 'no_show', 'left'])('an entry that is %s has no position, wait or range', (status) => {
    expect(entryView(entry(status, { finishedAt: at(5) }))).toMatchObject({
      status,
      position: null,
      expected_wait_minutes: null,
      expected_wait_range_minutes: null,
      expected_start: null,
    });
  });

  it.each([
    [1, 'A-001'],
    [17, 'A-017'],
    [1000, 'B-001'],
  ])('shows ticket number %d as %s', (ticketNumber, ticket) => {
    expect(entryView(entry('waiting', { ticketNumber, priority: true }))).toMatchObject({ ticket, priority: true });
  });
});
