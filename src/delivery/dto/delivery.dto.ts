import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { IsQueryId } from '../../common/validators';
import type { DeliveryChannel, DeliveryKind, DeliveryStatus } from '../outbox-message';

// Listed in their lifecycle's order: a union's order is the compiler's, not the code's.
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['queued', 'sent', 'failed'];
export const DELIVERY_CHANNELS: readonly DeliveryChannel[] = ['email', 'sms', 'webhook'];
export const DELIVERY_KINDS = [
  'validation',
  'confirmation',
  'cancellation',
  'reschedule',
  'reminder',
  'hold_reminder',
  'queue_called',
  'queue_next',
  'waitlist_offer',
  'webhook',
] as const satisfies readonly DeliveryKind[];
// Every kind listed: a kind added to DeliveryKind and not here does not compile.
const everyKindListed: Exclude<DeliveryKind, (typeof DELIVERY_KINDS)[number]> extends never ? true : never = true;
void everyKindListed;

export class ListDeliveriesQuery extends PageQuery {
  /** @example 'failed' */
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;

  /** @example 'email' */
  @ApiPropertyOptional({ enum: DELIVERY_CHANNELS })
  @IsOptional()
  @IsIn(DELIVERY_CHANNELS, { message: `channel must be one of ${DELIVERY_CHANNELS.join(', ')}` })
  channel?: DeliveryChannel;

  /** @example 41 */
  @IsOptional()
  @IsQueryId()
  appointment_id?: number;
}

export class DeliveryView {
  /** @example 918 */
  id: number;
  /** @example 'email' */
  @ApiProperty({ enum: DELIVERY_CHANNELS })
  channel: DeliveryChannel;
  /**
   * What the message is about
   * @example 'validation'
   */
  @ApiProperty({ enum: DELIVERY_KINDS })
  kind: DeliveryKind;
  /** @example 41 */
  appointment_id: number | null;
  /**
   * Masked: never the whole address or its local part (`g***@example.com`, `+1415***0123`, a webhook's host)
   * @example 'g***@example.com'
   */
  recipient: string;
  /** @example 'failed' */
  @ApiProperty({ enum: DELIVERY_STATUSES })
  status: DeliveryStatus;
  /**
   * Every try so far, the successful one included
   * @example 1
   */
  attempts: number;
  /**
   * Why the latest try failed (addresses in it masked); null once sent
   * @example 'The mail server did not take the message: 550 5.1.1 <g***@example.com>: Recipient address rejected: User unknown'
   */
  last_error: string | null;
  /**
   * When the next try is due while queued; null once sent or failed
   * @example '2026-07-28T08:00:04.000Z'
   */
  next_attempt_at: string | null;
  /** @example '2026-07-28T08:00:00.000Z' */
  created_at: string;
  /**
   * When it went out; null until then
   * @example '2026-07-28T08:00:01.000Z'
   */
  sent_at: string | null;
}

export class DeliveryPage {
  items: DeliveryView[];
  /**
   * Pass it as `cursor` for the next (older) page; null on the last page
   * @example 'OTE4'
   */
  next_cursor: string | null;
}
