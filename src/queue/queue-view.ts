import { QueueEntryView, QueueView } from './dto/queue.dto';
import { QueueEntryEntity } from './entities/queue-entry.entity';
import { expectedWait, WALK_IN_MINUTES } from './expected-wait';
import { formatTicket } from './queue-tickets';
import { QueueState } from './queue.repository';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** An entry as it reads outside the queue (done, no_show, left): no position, no wait. */
export function entryView(entry: QueueEntryEntity): QueueEntryView {
  return {
    entry_id: entry.id,
    provider_id: entry.providerId,
    client_id: entry.clientId,
    remote: entry.remote !== null,
    remote_name: entry.remote?.name ?? null,
    appointment_id: entry.appointmentId,
    date: entry.date,
    status: entry.status,
    ticket: formatTicket(entry.ticketNumber),
    priority: entry.priority,
    position: null,
    expected_wait_minutes: null,
    expected_wait_range_minutes: null,
    expected_start: null,
    appointment_start: iso(entry.appointmentStartAt),
    booked_minutes: entry.bookedMinutes,
    checked_in_at: iso(entry.checkedInAt)!,
    called_at: iso(entry.calledAt),
    finished_at: iso(entry.finishedAt),
  };
}

/**
 * The whole queue at one revision: positions in the order the state holds (queue-order.ts) and expected
 * waits as of `now` (see expected-wait.ts).
 */
export function queueView(providerId: number, date: string, state: QueueState, now: number): QueueView {
  const serving = state.active.find((entry) => entry.status === 'called') ?? null;
  const waiting = state.active.filter((entry) => entry.status === 'waiting');
  const estimate = expectedWait({
    now,
    history: state.services,
    serving: serving && { bookedMinutes: serving.bookedMinutes, calledAt: serving.calledAt ?? now },
    waiting: waiting.map((entry) => ({
      bookedMinutes: entry.bookedMinutes,
      notBefore: entry.appointmentStartAt,
      checkedInAt: entry.checkedInAt,
    })),
  });
  const nowServing: QueueEntryView | null = serving && {
    ...entryView(serving),
    position: 0,
    expected_wait_minutes: 0,
    expected_wait_range_minutes: [0, 0],
    expected_start: iso(serving.calledAt),
  };
  const entries = waiting.map((entry, i): QueueEntryView => ({
    ...entryView(entry),
    position: i + 1,
    expected_wait_minutes: estimate.turns[i].waitMinutes,
    expected_wait_range_minutes: estimate.turns[i].rangeMinutes,
    expected_start: iso(estimate.turns[i].startsAt),
  }));
  // Before any measured service, the bookings are all there is to go by.
  const booked = state.active.map((entry) => entry.bookedMinutes);
  const average = estimate.averageServiceMinutes ?? (booked.length ? booked.reduce((a, b) => a + b, 0) / booked.length : WALK_IN_MINUTES);
  return {
    provider_id: providerId,
    date,
    now_serving: nowServing,
    entries: nowServing ? [nowServing, ...entries] : entries,
    average_service_minutes: round(average, 1),
    pace: round(estimate.pace, 3),
    revision: state.revision,
  };
}
