import { ApiProperty } from '@nestjs/swagger';
import { AppointmentView } from '../../appointments/dto/appointment.dto';
import { ClientView } from '../../clients/dto/client.dto';
import { WaitlistEntryView } from '../../waitlist/dto/waitlist.dto';
import { DELIVERY_CHANNELS } from '../../delivery/dto/delivery.dto';
import type { DeliveryChannel, DeliveryStatus } from '../../delivery/outbox-message';

export class ExportedAppointment extends AppointmentView {
  /** The name typed with a booking made without an account, if it was @example 'Grace Hopper' */
  @ApiProperty({ type: 'string', nullable: true })
  guest_name: string | null;
  /** The phone typed with a booking made without an account, if any @example '+14155550199' */
  @ApiProperty({ type: 'string', nullable: true })
  guest_phone: string | null;
}

export class ExportedQueueEntry {
  /** @example 12 */
  entry_id: number;
  /** @example 3 */
  provider_id: number;
  /** Null for a walk-in @example 41 */
  @ApiProperty({ type: 'integer', nullable: true })
  appointment_id: number | null;
  /** @example '2026-07-28' */
  date: string;
  /** @example 'A-017' */
  ticket: string;
  /** The name typed when joining remotely, from a link; null for any other entry @example 'Grace' */
  @ApiProperty({ type: 'string', nullable: true })
  remote_name: string | null;
  /** The phone the link of a remote join went to @example '+14155550199' */
  @ApiProperty({ type: 'string', nullable: true })
  remote_phone: string | null;
  /** The address the link of a remote join went to @example 'grace@example.com' */
  @ApiProperty({ type: 'string', nullable: true })
  remote_email: string | null;
  /** @example 'done' */
  status: string;
  /** @example '2026-07-28T09:55:00.000Z' */
  checked_in_at: string;
  /** @example '2026-07-28T10:02:00.000Z' */
  @ApiProperty({ type: 'string', nullable: true })
  called_at: string | null;
  /** @example '2026-07-28T10:17:00.000Z' */
  @ApiProperty({ type: 'string', nullable: true })
  finished_at: string | null;
}

export class ExportedDelivery {
  /** @example 918 */
  id: number;
  /** @example 'email' */
  @ApiProperty({ enum: DELIVERY_CHANNELS })
  channel: DeliveryChannel;
  /** @example 'confirmation' */
  kind: string;
  /** @example 41 */
  @ApiProperty({ type: 'integer', nullable: true })
  appointment_id: number | null;
  /**
   * The person's own address or phone, whole; someone else's (a provider told of the person's
   * cancellation) masked as any list shows it @example 'grace@example.com'
   */
  recipient: string;
  /** @example 'sent' */
  @ApiProperty({ enum: ['queued', 'sent', 'failed'] })
  status: DeliveryStatus;
  /** An email's subject, or null for a text @example 'Your appointment is confirmed' */
  @ApiProperty({ type: 'string', nullable: true })
  subject: string | null;
  /** The message as the person read it: an email's plain text, or the text message @example 'Hello Grace, your appointment…' */
  @ApiProperty({ type: 'string', nullable: true })
  text: string | null;
  /** @example '2026-07-20T09:03:12.000Z' */
  created_at: string;
  /** @example '2026-07-20T09:03:13.000Z' */
  @ApiProperty({ type: 'string', nullable: true })
  sent_at: string | null;
}

export class ClientExportView {
  client: ClientView;
  appointments: ExportedAppointment[];
  queue_entries: ExportedQueueEntry[];
  waitlist: WaitlistEntryView[];
  /** The emails and texts sent (or to be sent) to the client */
  deliveries: ExportedDelivery[];
}
