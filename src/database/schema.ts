import type { Generated } from 'kysely';

/**
 * The tables as the migrations make them, typed for Kysely. Instants are epoch milliseconds (bigint
 * on PostgreSQL, read back as numbers). Each table belongs to one module, whose repository alone
 * reads and writes it (see DatabaseService.tables).
 */
export interface Database {
  /** providers module */
  providers: ProvidersTable;
  /** providers module: the slots of each date that has its own hours (an override) */
  availability_slots: AvailabilitySlotsTable;
  /** providers module: a row marks a date whose hours are its `availability_slots` (none: the day off) */
  date_overrides: DateOverridesTable;
  /** providers module: the hours that repeat every week */
  weekly_hours: WeeklyHoursTable;
  /** clients module */
  clients: ClientsTable;
  /** appointments module */
  appointments: AppointmentsTable;
  /** appointments module: the slots confirmed appointments took */
  booked_slots: BookedSlotsTable;
  /** queue module */
  queue_days: QueueDaysTable;
  /** queue module */
  queue_entries: QueueEntriesTable;
  /** delivery module: every email, text and webhook call */
  outbox_messages: OutboxMessagesTable;
  /** idempotency module: answers kept for repeated Idempotency-Keys (when there is no Redis) */
  idempotency_records: IdempotencyRecordsTable;
}

export interface ProvidersTable {
  id: Generated<number>;
  name: string;
  email: string;
  phone: string | null;
  time_zone: string;
  created_at: number;
  /** SHA-256 of the bearer key; the key itself is shown once and never stored. */
  api_key_hash: string | null;
  minimum_notice_minutes: Generated<number>;
  booking_horizon_days: Generated<number>;
  buffer_minutes: Generated<number>;
  /** Null: no cap. */
  max_active_per_client: number | null;
}

export interface ClientsTable {
  id: Generated<number>;
  name: string;
  email: string;
  phone: string | null;
  created_at: number;
  api_key_hash: string | null;
}

export interface AvailabilitySlotsTable {
  provider_id: number;
  date: string;
  slot_index: number;
}

export interface DateOverridesTable {
  provider_id: number;
  date: string;
}

export interface WeeklyHoursTable {
  provider_id: number;
  /** 1 (Monday) to 7 (Sunday), ISO 8601. */
  weekday: number;
  /** Minutes from local midnight, on the 15-minute grid; `end_minute` may be 1440. */
  start_minute: number;
  end_minute: number;
}

export interface AppointmentsTable {
  id: Generated<number>;
  provider_id: number;
  client_id: number;
  date: string;
  slot_indexes: string;
  start_time: string;
  end_time: string;
  start_at: number;
  end_at: number;
  /** `expired`: a pending hold that lapsed, marked by the sweeper (or by a link pressed too late). */
  status: 'pending' | 'confirmed' | 'cancelled' | 'expired';
  hold_id: string;
  expires_at: number;
  created_at: number;
  confirmed_at: number | null;
  cancelled_at: number | null;
  rescheduled_at: number | null;
  cancellation_reason: string | null;
  /** Raised by every reschedule and cancellation: the `.ics` SEQUENCE, and the version a manage link is signed for. */
  revision: Generated<number>;
  /** A guest request's details, unproven until its link is pressed; null for a request made with a key. */
  guest_name: string | null;
  guest_phone: string | null;
}

export interface BookedSlotsTable {
  provider_id: number;
  starts_at: number;
  date: string;
  slot_index: number;
  appointment_id: number;
}

export interface QueueDaysTable {
  provider_id: number;
  date: string;
  revision: number;
}

export interface QueueEntriesTable {
  id: Generated<number>;
  provider_id: number;
  /** Null for someone who joined remotely (from a link, without a client record). */
  client_id: number | null;
  appointment_id: number | null;
  date: string;
  status: 'waiting' | 'called' | 'done' | 'no_show' | 'left';
  queue_at: number;
  appointment_start_at: number | null;
  booked_minutes: number;
  checked_in_at: number;
  called_at: number | null;
  finished_at: number | null;
  /** Who joined remotely, as they typed it; null on every other entry. */
  remote_name: string | null;
  remote_phone: string | null;
  remote_email: string | null;
  /** The join link's id (JWT `jti`), unique: set on, and only on, an entry that joined remotely. */
  join_key: string | null;
}

export type DeliveryChannel = 'email' | 'sms' | 'webhook';
export type DeliveryStatus = 'queued' | 'sent' | 'failed';

export interface OutboxMessagesTable {
  id: Generated<number>;
  channel: DeliveryChannel;
  /** What the message is about: validation, confirmation, reminder, queue_called, … */
  kind: string;
  /** The full address, phone number or URL it goes to (masked in every view and log). */
  recipient: string;
  /** The whole message as the channel sends it, JSON. */
  payload: string;
  /** The one id the message keeps across retries (the email's Message-ID, the webhook-id). */
  message_key: string;
  appointment_id: number | null;
  /** Whose appointment or subscription it concerns: a provider's key sees these. */
  provider_id: number | null;
  status: DeliveryStatus;
  /** Every try, the successful one included; counted when a worker claims it. */
  attempts: number;
  last_error: string | null;
  /** When it was first due: a reminder's time, or its creation; retries stop 24 hours after. */
  due_at: number;
  next_attempt_at: number;
  /** Past this instant it is no use any more (a reminder once the appointment started): marked failed, not sent. */
  send_before: number | null;
  /** A worker holds it until then; a worker that died loses it at that time. */
  lease_until: number | null;
  created_at: number;
  sent_at: number | null;
}

export interface IdempotencyRecordsTable {
  /** SHA-256 (hex) of the scope: caller, method, path and Idempotency-Key. */
  key: string;
  /** SHA-256 (hex) of the canonical request body. */
  fingerprint: string;
  /** The running request's token while in flight; null once answered. */
  token: string | null;
  status: number | null;
  content_type: string | null;
  body: string | null;
  expires_at: number;
}
