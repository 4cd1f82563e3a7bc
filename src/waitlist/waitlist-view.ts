import { WaitlistEntryView } from './dto/waitlist.dto';
import { WaitlistEntryEntity, WaitlistStatus } from './entities/waitlist-entry.entity';

/** What became of an offer's appointment, as far as the waitlist cares. */
export type OfferOutcome = 'pending' | 'booked' | 'lapsed';

/**
 * An entry's status: an `offered` entry reads `booked` once its appointment was confirmed (even if
 * cancelled since) and `lapsed` once it expired or was cancelled unconfirmed. Read off the appointment
 * each time, so no crash between a confirmation and a listener can leave it wrong.
 */
export function statusOf(entry: WaitlistEntryEntity, offer: OfferOutcome | undefined): WaitlistStatus {
  if (entry.status !== 'offered') return entry.status;
  if (offer === 'booked') return 'booked';
  return offer === 'pending' ? 'offered' : 'lapsed';
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toWaitlistView(entry: WaitlistEntryEntity, offer: OfferOutcome | undefined): WaitlistEntryView {
  return {
    id: entry.id,
    provider_id: entry.providerId,
    client_id: entry.clientId,
    date: entry.date,
    duration_minutes: entry.durationMinutes,
    from_slot: entry.fromSlot,
    to_slot: entry.toSlot,
    status: statusOf(entry, offer),
    created_at: new Date(entry.createdAt).toISOString(),
    appointment_id: entry.appointmentId,
    offered_at: iso(entry.offeredAt),
    left_at: iso(entry.leftAt),
  };
}
