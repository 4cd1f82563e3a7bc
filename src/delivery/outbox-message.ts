import type { DeliveryChannel, DeliveryStatus } from '../database/schema';

export type { DeliveryChannel, DeliveryStatus };

/**
 * Which of a worker's places a message takes: webhook calls have places of their own, so that
 * receivers that hang each call to its 10 s deadline (anyone may subscribe one) hold up no email or text.
 */
export type DeliveryLane = 'calls' | 'notices';

export function laneOf(channel: DeliveryChannel): DeliveryLane {
  return channel === 'webhook' ? 'calls' : 'notices';
}

/** What a message is about, as `GET /api/deliveries` names it. */
export type DeliveryKind =
  | 'validation'
  | 'confirmation'
  | 'cancellation'
  | 'reschedule'
  | 'reminder'
  | 'hold_reminder'
  | 'queue_called'
  | 'queue_next'
  | 'waitlist_offer'
  | 'webhook';

/** An email as the mail channel sends it, rendered when it was written. */
export interface EmailPayload {
  to: string;
  toName: string;
  subject: string;
  html: string;
  text: string;
  attachments?: { filename: string; content: string; contentType: string }[];
  /** The confirmation link it carries, logged in the developer's outbox mode (no SMTP_URL). */
  link?: string;
}

/** A text message as the SMS channel sends it. */
export interface SmsPayload {
  to: string;
  body: string;
}

/** A webhook call: the body is fixed when the message is written; it is signed when each try is made. */
export interface WebhookPayload {
  /** The subscription's URL (the message's recipient; the call reads it again from the subscription). */
  to: string;
  webhookId: number;
  /** The event, as the body's `type` says it (`ping` for a test). */
  type: string;
  /** The JSON body `{"type","timestamp","data"}`, exactly as it is sent and signed. */
  body: string;
}

interface MessageBase {
  kind: DeliveryKind;
  appointmentId?: number | null;
  providerId?: number | null;
  /** When to send it (a reminder's time); unset: as soon as the transaction commits. */
  dueAt?: number;
  /** Past this instant it is not sent but marked failed (a reminder once the appointment has started). */
  sendBefore?: number;
}

export type NewMessage =
  | (MessageBase & { channel: 'email'; payload: EmailPayload })
  | (MessageBase & { channel: 'sms'; payload: SmsPayload })
  | (MessageBase & { channel: 'webhook'; payload: WebhookPayload });

/** A message a worker has claimed: its lease is held until `leaseUntil`, and `attempts` counts this try. */
export interface ClaimedMessage {
  id: number;
  channel: DeliveryChannel;
  kind: string;
  recipient: string;
  /** As stored (JSON): parsed by the sender, so that a row that does not parse fails alone. */
  payload: string;
  messageKey: string;
  attempts: number;
  /** The subscription a webhook call goes to; null for an email or a text. */
  webhookId: number | null;
  dueAt: number;
  sendBefore: number | null;
  createdAt: number;
}

/** A send that did not work; `permanent` when trying again cannot help (a refused recipient, a Twilio 4xx). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** The first retry comes within 5 s; the waits then double up to this cap. */
export const RETRY_CAP_MS = 15 * 60_000;
const RETRY_FIRST_MS = 2_000;
/** Retries go on at least this long after the message was first due; then it is marked failed. */
export const RETRY_WINDOW_MS = 24 * 60 * 60_000;

/**
 * The wait before the next try after `attempts` tries: 2 s, 4 s, 8 s … capped at 15 minutes, of which
 * a random half is taken off ("equal jitter"), so processes that failed together do not retry together.
 */
export function retryDelayMs(attempts: number, random: number): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** What becomes of a message whose try failed. */
export function afterFailure(
  message: Pick<ClaimedMessage, 'attempts' | 'dueAt'>,
  error: unknown,
  now: number,
  random: number,
): { status: 'queued'; nextAttemptAt: number } | { status: 'failed' } {
  if (error instanceof DeliveryError && error.permanent) return { status: 'failed' };
  if (now - message.dueAt >= RETRY_WINDOW_MS) return { status: 'failed' };
  return { status: 'queued', nextAttemptAt: now + retryDelayMs(message.attempts, random) };
}
