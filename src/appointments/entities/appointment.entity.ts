/** `expired`: a lapsed hold, once marked (until then it is stored `pending` and reads `expired`). */
export type StoredAppointmentStatus = 'pending' | 'confirmed' | 'cancelled' | 'expired';

/** An appointment as the appointments module works with it (a row of `appointments`). */
export interface AppointmentEntity {
  id: number;
  providerId: number;
  clientId: number;
  date: string;
  /** Comma-separated slot indexes, in time order. */
  slotIndexes: string;
  /** Wall-clock labels in the provider's zone, kept so listings need no zone arithmetic. */
  startTime: string;
  endTime: string;
  startAt: number;
  endAt: number;
  status: StoredAppointmentStatus;
  /** The hold's id: the `jti` of its token. */
  holdId: string;
  expiresAt: number;
  createdAt: number;
  confirmedAt: number | null;
  cancelledAt: number | null;
  rescheduledAt: number | null;
  cancellationReason: string | null;
  /** Raised by every reschedule and cancellation: the `.ics` SEQUENCE, and the version a manage link is signed for. */
  revision: number;
  /**
   * The name and phone a guest typed with this request: its mails greet that name and its texts go to
   * that phone, never the client's record (whoever typed an address is unproven until its link is
   * pressed). Null for a request made with a key.
   */
  guestName: string | null;
  guestPhone: string | null;
}
