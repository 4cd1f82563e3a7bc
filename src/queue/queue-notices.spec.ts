import { QueueEntryView } from './dto/queue.dto';
import { noticeText, positionNotices, QueueNotice } from './queue-notices';

/** Waiting entries with ids `ids`, in this order: position i + 1, a wait of 10 minutes a place. */
function waiting(...ids: number[]): QueueEntryView[] {
  return ids.map(
    (id, i) =>
      ({
        entry_id: id,
        client_id: 100 + id,
        appointment_id: null,
        status: 'waiting',
        position: i + 1,
        expected_wait_minutes: 10 * (i + 1),
      }) as QueueEntryView,
  );
}
const none = () => [];
const told = (notices: QueueNotice[]) => notices.map((notice) => [notice.entryId, notice.position]);

describe(positionNotices.name, () => {
  it.each<[string, number[], number[], number[], Record<number, number[]>, [number, number][]]>([
    ['a call moves everyone up: the new first is told it is next', [1, 2, 3], [2, 3], [1], {}, [[2, 1]]],
    [
      'with 3,1: the one reaching 3 and the one reaching 1',
      [1, 2, 3, 4],
      [2, 3, 4],
      [3, 1],
      {},
      [
        [2, 1],
        [4, 3],
      ],
    ],
    ['nobody is told twice about one position', [1, 2, 3], [2, 3], [1], { 2: [1] }, []],
    ['a position told before, another not yet', [1, 2, 3, 4], [2, 3, 4], [3, 1], { 4: [3], 2: [3] }, [[2, 1]]],
    ['an entry that did not move is not told', [1, 2, 3], [1, 2], [1, 2], {}, []],
    ['a check-in is not told where it stands; those it pushes back are', [1, 2], [3, 1, 2], [3, 1], {}, [[2, 3]]],
    ['a position outside the list says nothing', [1, 2, 3], [2, 3], [5], {}, []],
    ['a priority entry jumping to the front is told it is next', [1, 2, 3, 4], [4, 1, 2, 3], [1], {}, [[4, 1]]],
    ['moved back to a position already told: nothing', [1, 2], [3, 1, 2], [2], { 1: [2] }, []],
  ])('%s', (_name, before, after, notifyAt, notified, expected) => {
    expect(told(positionNotices(before, waiting(...after), notifyAt, (id) => notified[id] ?? []))).toEqual(expected);
  });

  it('carries the entry, its client and its expected wait', () => {
    expect(positionNotices([1, 2], waiting(2), [1], none)).toEqual([
      { entryId: 2, clientId: 102, kind: 'position', position: 1, appointmentId: null, waitMinutes: 10 },
    ]);
  });
});

describe(noticeText.name, () => {
  it.each<[Pick<QueueNotice, 'kind' | 'position' | 'waitMinutes'>, string]>([
    [{ kind: 'turn', position: 0, waitMinutes: 0 }, "It's your turn: Dr. Q is ready for you now."],
    [{ kind: 'position', position: 1, waitMinutes: 12 }, "You're next for Dr. Q (about 12 min). Please stay close to the waiting room."],
    [{ kind: 'position', position: 1, waitMinutes: 0 }, "You're next for Dr. Q. Please stay close to the waiting room."],
    [{ kind: 'position', position: 2, waitMinutes: 25 }, '1 person is ahead of you for Dr. Q (about 25 min).'],
    [{ kind: 'position', position: 4, waitMinutes: 40 }, '3 people are ahead of you for Dr. Q (about 40 min).'],
  ])('%j', (notice, text) => {
    expect(noticeText(notice, 'Dr. Q')).toBe(text);
  });
});
