import { QueueView } from './dto/queue.dto';

/** Who is told what after a call: "it's your turn" (just called) or "you're next" (now first in line). */
export interface QueueNotice {
  entryId: number;
  /** Null for someone who joined remotely: the notice goes to the phone or address on the entry. */
  clientId: number | null;
  kind: 'turn' | 'next';
  /** The appointment the entry is for; null for a walk-in. */
  appointmentId: number | null;
  /** For "you're next": the expected wait, in minutes. */
  waitMinutes: number | null;
}

/** The notices of a call, from the queue as it committed: the called client first, then the one now first in line. */
export function callNotices(queue: QueueView): QueueNotice[] {
  const notices: QueueNotice[] = [];
  const called = queue.now_serving;
  if (called)
    notices.push({
      entryId: called.entry_id,
      clientId: called.client_id,
      kind: 'turn',
      appointmentId: called.appointment_id,
      waitMinutes: 0,
    });
  const next = queue.entries.find((entry) => entry.position === 1);
  if (next)
    notices.push({
      entryId: next.entry_id,
      clientId: next.client_id,
      kind: 'next',
      appointmentId: next.appointment_id,
      waitMinutes: next.expected_wait_minutes,
    });
  return notices;
}

/** The text message of a notice. */
export function noticeText(notice: Pick<QueueNotice, 'kind' | 'waitMinutes'>, providerName: string): string {
  if (notice.kind === 'turn') return `It's your turn: ${providerName} is ready for you now.`;
  const wait = notice.waitMinutes ? ` (about ${notice.waitMinutes} min)` : '';
  return `You're next for ${providerName}${wait}. Please stay close to the waiting room.`;
}
