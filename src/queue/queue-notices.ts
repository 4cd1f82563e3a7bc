import { QueueEntryView } from './dto/queue.dto';

/**
 * Who is told what after a change of the queue: "it's your turn" (just called), or where they stand
 * ("you're next" at position 1, "N − 1 ahead of you" at position N).
 */
export interface QueueNotice {
  entryId: number;
  /** Null for someone who joined remotely: the notice goes to the phone or address on the entry. */
  clientId: number | null;
  kind: 'turn' | 'position';
  /** The position told about (0 for "it's your turn"). */
  position: number;
  /** The appointment the entry is for; null for a walk-in. */
  appointmentId: number | null;
  /** The expected wait, in minutes (0 for "it's your turn"). */
  waitMinutes: number | null;
}

/** The "it's your turn" notice of the entry a call just called. */
export function turnNotice(called: QueueEntryView): QueueNotice {
  return {
    entryId: called.entry_id,
    clientId: called.client_id,
    kind: 'turn',
    position: 0,
    appointmentId: called.appointment_id,
    waitMinutes: 0,
  };
}

/**
 * The position notices a change causes: each waiting entry that this change moved to one of the
 * `notifyAt` positions (it was in the queue before at another position) and was never told about that
 * position. An entry is not told where it stands by its own check-in (the check-in answers that); an
 * entry the queue moves away and back is not told twice. Pure: `before` is the waiting entries' ids in
 * their order before the change, `after` those waiting after it, with their positions and waits.
 */
export function positionNotices(
  before: readonly number[],
  after: readonly QueueEntryView[],
  notifyAt: readonly number[],
  notified: (entryId: number) => readonly number[],
): QueueNotice[] {
  const positionBefore = new Map(before.map((entryId, i) => [entryId, i + 1]));
  return after.flatMap((entry): QueueNotice[] => {
    const position = entry.position;
    if (entry.status !== 'waiting' || position === null || !notifyAt.includes(position)) return [];
    const was = positionBefore.get(entry.entry_id);
    if (was === undefined || was === position || notified(entry.entry_id).includes(position)) return [];
    return [
      {
        entryId: entry.entry_id,
        clientId: entry.client_id,
        kind: 'position',
        position,
        appointmentId: entry.appointment_id,
        waitMinutes: entry.expected_wait_minutes,
      },
    ];
  });
}

/** The text message of a notice. */
export function noticeText(notice: Pick<QueueNotice, 'kind' | 'position' | 'waitMinutes'>, providerName: string): string {
  if (notice.kind === 'turn') return `It's your turn: ${providerName} is ready for you now.`;
  const wait = notice.waitMinutes ? ` (about ${notice.waitMinutes} min)` : '';
  if (notice.position === 1) return `You're next for ${providerName}${wait}. Please stay close to the waiting room.`;
  const ahead = notice.position - 1;
  return `${ahead} ${ahead === 1 ? 'person is' : 'people are'} ahead of you for ${providerName}${wait}.`;
}
