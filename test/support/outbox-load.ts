import { ApiClient } from './api-client';
import { createClient, createProvider, futureDate, publish } from './factories';
import { databaseSettingsOf } from './schema';
import { DatabaseService } from '../../src/database/database.service';

/** One slot a client may ask for. */
export interface SlotRequest {
  provider_id: number;
  client_id: number;
  date: string;
  requested_slot: number;
}

/** A day published 00:00–24:00 has this many 15-minute slots. */
const SLOTS_A_DAY = 96;

/**
 * `count` distinct open slots (whole days of one provider, from `firstDay` days ahead), each for one of
 * `clients` clients in turn: enough hold requests to fill an outbox with `count` validation emails.
 */
export async function slotRequests(api: ApiClient, count: number, options: { firstDay: number; clients: number }): Promise<SlotRequest[]> {
  const provider = await createProvider(api);
  const clients = await Promise.all(Array.from({ length: options.clients }, () => createClient(api)));
  const days = Math.ceil(count / SLOTS_A_DAY);
  const dates = Array.from({ length: days }, (_, day) => futureDate(options.firstDay + day));
  for (const date of dates) await publish(api, provider.id, date, '00:00', '24:00');
  return Array.from({ length: count }, (_, i) => ({
    provider_id: provider.id,
    client_id: clients[i % clients.length].id,
    date: dates[Math.floor(i / SLOTS_A_DAY)],
    requested_slot: i % SLOTS_A_DAY,
  }));
}

/**
 * Sends every hold request, `concurrency` at a time, spread over `apis` in turn (several processes);
 * answers the statuses in request order. A client loop stops at the first network error.
 */
export async function requestHolds(apis: ApiClient[], requests: SlotRequest[], concurrency: number): Promise<number[]> {
  const statuses: number[] = new Array<number>(requests.length);
  let next = 0;
  const loop = async () => {
    while (next < requests.length) {
      const i = next++;
      statuses[i] = (await apis[i % apis.length].post('/api/client_schedule', requests[i])).status;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return statuses;
}

export interface OutboxRowView {
  id: number;
  kind: string;
  recipient: string;
  status: string;
  attempts: number;
  message_key: string;
  lease_until: number | null;
  /** Epoch milliseconds: a message handed back is due at once, one that failed a try later (its back-off). */
  next_attempt_at: number;
  last_error: string | null;
  appointment_id: number | null;
}

/**
 * Reads the outbox table straight from the database of `env` (the spec's own connection, beside the
 * server processes): what was written, what is claimed, what is sent.
 */
export async function outboxRows(env: Record<string, string | undefined>): Promise<OutboxRowView[]> {
  return withDatabase(env, (database) =>
    database
      .tables<'outbox_messages'>()
      .selectFrom('outbox_messages')
      .select([
        'id',
        'kind',
        'recipient',
        'status',
        'attempts',
        'message_key',
        'lease_until',
        'next_attempt_at',
        'last_error',
        'appointment_id',
      ])
      .orderBy('id')
      .execute(),
  );
}

export async function withDatabase<T>(
  env: Record<string, string | undefined>,
  work: (database: DatabaseService) => Promise<T>,
): Promise<T> {
  const database = DatabaseService.open(databaseSettingsOf(env));
  try {
    return await work(database);
  } finally {
    await database.onApplicationShutdown();
  }
}

/** The outbox key in an email's Message-ID (`<key@domain>`). */
export function keyOf(messageId: string): string {
  return /^<?([^@>]+)@/.exec(messageId)?.[1] ?? messageId;
}

/** The validation token in a mail's text. */
export function tokenIn(text: string): string {
  const match = /\/api\/validate\?token=([A-Za-z0-9._-]+)/.exec(text);
  if (!match) throw new Error('No validation link in the mail');
  return match[1];
}

/** Waits until `condition` holds, reading it every `everyMs`. */
export async function eventually(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  everyMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Still waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Settings under which the outbox holds only the emails a spec asked for: no hold reminders, no reminders due later. */
export const ONLY_REQUESTED_MAIL = { HOLD_REMINDER_SECONDS: '0', REMINDER_MINUTES: 'none' };
