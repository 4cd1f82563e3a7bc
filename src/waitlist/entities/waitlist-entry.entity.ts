/** What a waitlist row keeps; an `offered` entry's outcome (booked, lapsed) is its appointment's to say. */
export type StoredWaitlistStatus = 'waiting' | 'offered' | 'left';

/** In the order an entry lives them. */
export const WAITLIST_STATUSES = ['waiting', 'offered', 'booked', 'lapsed', 'left'] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];

export interface WaitlistEntryEntity {
  id: number;
  providerId: number;
  clientId: number;
  /** The provider's local date, `YYYY-MM-DD`. */
  date: string;
  durationMinutes: number;
  /** An offer starts at or after this slot index… */
  fromSlot: number;
  /** …and ends at or before this one (96: the end of the day). */
  toSlot: number;
  status: StoredWaitlistStatus;
  /** The pending appointment its offer made (null until offered). */
  appointmentId: number | null;
  createdAt: number;
  offeredAt: number | null;
  leftAt: number | null;
}
