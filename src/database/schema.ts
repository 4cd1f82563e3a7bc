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
  /** queue module: each provider's display-board key */
  queue_boards: QueueBoardsTable;
  /** delivery module: every email, text and webhook call */
  outbox_messages: OutboxMessagesTable;
  /** idempotency module: answers kept for repeated Idempotency-Keys (when there is no Redis) */
  idempotency_records: IdempotencyRecordsTable;
  /** waitlist module: clients waiting for a provider's day */
  waitlist_entries: WaitlistEntriesTable;
  /** webhooks module: the subscriptions */
  webhooks: WebhooksTable;
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
  /** When the client's details were erased at its request (name, email and phone replaced); null while kept. */
  erased_at: number | null;
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
  /** Tickets handed out that day: the last one's number. */
  tickets_issued: Generated<number>;
  /** Priority calls made in a row while a non-priority entry waited. */
  priority_streak: Generated<number>;
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
  /** The day's ticket, 1 for A-001 (every entry has one: the migration numbered the older ones). */
  ticket_number: number;
  /** 1: called before the others (within QUEUE_PRIORITY_STREAK), 0: not. */
  priority: Generated<number>;
  /** The positions the client was told about, as `,3,1,` (empty: none yet). */
  notified_positions: Generated<string>;
  /** Who joined remotely, as they typed it; null on every other entry. */
  remote_name: string | null;
  remote_phone: string | null;
  remote_email: string | null;
  /** The join link's id (JWT `jti`), unique: set on, and only on, an entry that joined remotely. */
  join_key: string | null;
}

export interface QueueBoardsTable {
  provider_id: number;
  /** SHA-256 (hex) of the board key; the key itself is shown once, in the board link. */
  key_hash: string;
  created_at: number;
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
  /** The subscription a webhook call is for; null on other channels. */
  webhook_id: number | null;
}

export interface WebhooksTable {
  id: Generated<number>;
  url: string;
  /** The event names subscribed to, a JSON list. */
  events: string;
  /** Null: every provider's events (the administrator's subscription). */
  provider_id: number | null;
  /** `whsec_` + base64 of 32 random bytes: the HMAC key is needed to sign, so it is kept as it is. */
  secret: string;
  created_at: number;
  /** The first failed call after the last success; null while calls succeed. */
  failing_since: number | null;
  /** Set when the endpoint had failed every call for 3 days; null while active. */
  deactivated_at: number | null;
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
  /** The client the request or its answer is about, so that erasing the client deletes the record. */
  client_id: number | null;
}

export interface WaitlistEntriesTable {
  id: Generated<number>;
  provider_id: number;
  client_id: number;
  date: string;
  duration_minutes: number;
  /** An offer starts at or after this slot index and ends at or before `to_slot` (96: the day's end). */
  from_slot: number;
  to_slot: number;
  /** As stored; an `offered` entry reads `booked` or `lapsed` by its appointment's status. */
  status: 'waiting' | 'offered' | 'left';
  /** The pending appointment the entry's offer made. */
  appointment_id: number | null;
  created_at: number;
  offered_at: number | null;
  left_at: number | null;
}
