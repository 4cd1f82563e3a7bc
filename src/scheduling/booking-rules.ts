/** What a provider allows a booking to be (see the contract's "Booking rules"). */
export interface BookingRules {
  /** A booking starts at least this long after it is asked for. */
  minimumNoticeMinutes: number;
  /** Dates up to this many days after the provider's today can be booked. */
  bookingHorizonDays: number;
  /** Free time kept before and after every held or booked appointment. */
  bufferMinutes: number;
  /** Upcoming pending and confirmed appointments one client may have with this provider; null: no cap. */
  maxActivePerClient: number | null;
}

export const DEFAULT_BOOKING_RULES: BookingRules = {
  minimumNoticeMinutes: 0,
  bookingHorizonDays: 365,
  bufferMinutes: 0,
  maxActivePerClient: null,
};
