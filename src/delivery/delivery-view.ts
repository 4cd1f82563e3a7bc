import { DeliveryView } from './dto/delivery.dto';
import type { DeliveryKind } from './outbox-message';
import type { OutboxRow } from './outbox.repository';
import { maskRecipient } from './recipient-mask';

function instant(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function toDeliveryView(row: OutboxRow): DeliveryView {
  return {
    id: row.id,
    channel: row.channel,
    kind: row.kind as DeliveryKind,
    appointment_id: row.appointment_id,
    recipient: maskRecipient(row.channel, row.recipient),
    status: row.status,
    attempts: row.attempts,
    last_error: row.last_error,
    // Only a queued message has a next try; the column keeps its last value after that.
    next_attempt_at: row.status === 'queued' ? instant(row.next_attempt_at) : null,
    created_at: instant(row.created_at)!,
    sent_at: instant(row.sent_at),
  };
}
