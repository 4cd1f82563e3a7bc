export const QUEUE_STATUSES = ['waiting', 'called', 'done', 'no_show', 'left'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
/** Statuses of an entry still in the queue; the others are final. */
export const ACTIVE_STATUSES: readonly QueueStatus[] = ['waiting', 'called'];

/** Someone who joined a queue remotely, from a link: whom its notices reach, as they typed it. */
export interface RemoteJoiner {
  name: string;
  /** At least one of phone and email; a text goes to the phone when there is one. */
  phone: string | null;
  email: string | null;
  /** The join link's id: pressing the link again finds this entry. */
  joinKey: string;
}

/** One check-in: a client in a provider's queue of a day. */
export interface QueueEntryEntity {
  id: number;
  providerId: number;
  /** Null for someone who joined remotely (see `remote`). */
  clientId: number | null;
  /** Set on an entry that joined remotely, from a link, without a client record; else null. */
  remote: RemoteJoiner | null;
  /** Null for a walk-in. */
  appointmentId: number | null;
  /** The provider's local date of the queue, `YYYY-MM-DD`. */
  date: string;
  status: QueueStatus;
  /** Where the entry stands in line: its appointment's start, or a walk-in's check-in time. */
  queueAt: number;
  /** The appointment's start: the entry is never expected to be called before it. Null for a walk-in. */
  appointmentStartAt: number | null;
  /** The appointment's length, or a slot (15 minutes) for a walk-in. */
  bookedMinutes: number;
  checkedInAt: number;
  calledAt: number | null;
  /** When the entry became done, no_show or left. For a done entry, calledAt → finishedAt is its service time. */
  finishedAt: number | null;
  /** The day's ticket number: 1 is `A-001` (see queue-tickets.ts). */
  ticketNumber: number;
  /** Called before the others, within QUEUE_PRIORITY_STREAK (see queue-order.ts). */
  priority: boolean;
  /** The positions the client was told about ("N ahead" notices), each once. */
  notifiedPositions: number[];
}
