/*
 * What the bench puts into the scheduler before measuring, all through its HTTP API: providers with
 * published days, clients with their keys, a provider with months of history (holds and bookings,
 * the bookings confirmed with the tokens read from the outbox), and a pool of free slots for the hold
 * requests of the load runs.
 */
import { CONFIG, http, HttpAnswer, inParallel, isoDate, log, randomId, seconds, sleep } from './config';
import { OutboxReader } from './outbox';

/** The scheduler's API as the administrator sees it. */
export class Api {
  readonly admin: Record<string, string>;

  constructor(
    readonly base: string,
    adminKey: string,
  ) {
    this.admin = { authorization: `Bearer ${adminKey}` };
  }

  async post(path: string, body: unknown, headers = this.admin): Promise<HttpAnswer> {
    return http(this.base, 'POST', path, { body, headers });
  }

  /** POSTs as the administrator what must answer 201, and answers its JSON. */
  async create(path: string, body: unknown): Promise<Record<string, unknown>> {
    const answer = await this.post(path, body);
    if (answer.status !== 201 || !answer.json) throw new Error(`POST ${path} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    return answer.json;
  }
}

export interface Client {
  id: number;
  email: string;
  /** A client asks for its own slots: with its own key when the app issues one, else the administrator's. */
  auth: Record<string, string>;
}

export async function createProvider(api: Api, role: string): Promise<number> {
  const provider = await api.create('/api/providers', {
    name: `Bench ${role} provider`,
    email: `bench-${role}-${randomId(4)}@example.com`,
    time_zone: 'UTC',
  });
  return Number(provider.id);
}

export async function createClient(api: Api, role: string): Promise<Client> {
  const email = `bench-${role}-client-${randomId(4)}@example.com`;
  const client = await api.create('/api/clients', { name: `Bench ${role} client`, email });
  const key = client.api_key;
  return { id: Number(client.id), email, auth: typeof key === 'string' ? { authorization: `Bearer ${key}` } : api.admin };
}

/** Publishes each date 00:00–24:00 (96 slots), 8 requests at a time. */
export async function publishDates(api: Api, providerId: number, dates: string[]): Promise<void> {
  const failures: string[] = [];
  await inParallel(dates, 8, async (date) => {
    const answer = await api.post('/api/schedule', { date, start_time: '00:00', end_time: '24:00', provider_id: providerId });
    if (answer.status !== 201) failures.push(`${date}: ${answer.status} ${answer.text.slice(0, 300)}`);
  });
  if (failures.length > 0) throw new Error(`POST /api/schedule failed for ${failures.length} date(s), e.g. ${failures[0]}`);
}

export interface Slot {
  provider_id: number;
  date: string;
  requested_slot: number;
}

/**
 * Distinct free slots, handed out once each, on dates published as they are needed; past a year of
 * dates, on a new provider (every date stays inside any booking horizon).
 */
export class SlotPool {
  private readonly providers: { id: number; dates: string[] }[] = [];
  private published = 0;
  private handedOut = 0;

  constructor(private readonly api: Api) {}

  get taken(): number {
    return this.handedOut;
  }

  get free(): number {
    return this.published * CONFIG.slotsPerDate - this.handedOut;
  }

  take(): Slot | undefined {
    if (this.handedOut >= this.published * CONFIG.slotsPerDate) return undefined;
    const index = this.handedOut++;
    const dateIndex = Math.floor(index / CONFIG.slotsPerDate);
    const provider = this.providers[Math.floor(dateIndex / CONFIG.datesPerProvider)];
    return {
      provider_id: provider.id,
      date: provider.dates[dateIndex % CONFIG.datesPerProvider],
      requested_slot: index % CONFIG.slotsPerDate,
    };
  }

  /** Publishes dates until at least `count` slots are free. */
  async ensure(count: number): Promise<void> {
    while (this.free < count) {
      let provider = this.providers.at(-1);
      if (!provider || provider.dates.length >= CONFIG.datesPerProvider) {
        provider = { id: await createProvider(this.api, 'load'), dates: [] };
        this.providers.push(provider);
      }
      const wanted = Math.ceil((count - this.free) / CONFIG.slotsPerDate);
      const first = provider.dates.length;
      const dates = Array.from({ length: Math.min(wanted, CONFIG.datesPerProvider - first) }, (_, i) =>
        isoDate(CONFIG.firstDateOffsetDays + first + i),
      );
      await publishDates(this.api, provider.id, dates);
      provider.dates.push(...dates);
      this.published += dates.length;
    }
  }
}

export interface History {
  providerId: number;
  /** A date of the history with nothing held or booked on it: its listing is as long as the single-day provider's. */
  listingDate: string;
  days: number;
  holdsAsked: number;
  holdsAccepted: number;
  bookings: number;
  refused: Map<number, number>;
  tookMs: number;
  /** Whether the seeding stopped at CONFIG.seedBudgetMs before reaching its aim. */
  cutShort: boolean;
  /** Mails the seeding caused: a validation mail per hold, a confirmation per booking. */
  mails: number;
}

/**
 * A provider with `CONFIG.historyDays` published days, holds on every day but one, and
 * `CONFIG.historyBookings` of them confirmed through the validation links mailed to its client; the
 * rest stay live holds. Everything goes through the API, 32 requests at a time, within the seeding budget.
 */
export async function seedHistory(api: Api, outbox: OutboxReader): Promise<History> {
  const started = Date.now();
  const deadline = started + CONFIG.seedBudgetMs;
  const overBudget = () => Date.now() > deadline;
  const providerId = await createProvider(api, 'history');
  const client = await createClient(api, 'history');
  const dates = Array.from({ length: CONFIG.historyDays }, (_, i) => isoDate(CONFIG.firstDateOffsetDays + i));
  await publishDates(api, providerId, dates);
  const listingDate = dates[Math.floor(dates.length / 2)];
  const heldDates = dates.filter((date) => date !== listingDate);

  // The slots spread evenly over each day, the days taken in turn so concurrent requests meet different days.
  const perDay = Math.min(CONFIG.slotsPerDate, Math.ceil((CONFIG.historyBookings + CONFIG.historyHolds) / heldDates.length));
  const wanted = Math.min(CONFIG.historyBookings + CONFIG.historyHolds, perDay * heldDates.length);
  const slots: Slot[] = [];
  for (let i = 0; i < wanted; i++) {
    const day = i % heldDates.length;
    const nth = Math.floor(i / heldDates.length);
    slots.push({ provider_id: providerId, date: heldDates[day], requested_slot: Math.floor((nth * CONFIG.slotsPerDate) / perDay) });
  }

  const refused = new Map<number, number>();
  const count = (status: number) => refused.set(status, (refused.get(status) ?? 0) + 1);
  const tokens = outbox.poolOf(client.email);
  let holdsAccepted = 0;
  let holdsDone = false;
  let bookings = 0;
  let lastMailAt = Date.now();
  let scanning: Promise<void> | undefined;

  // Holds and confirmations at once (16 + 16 requests at a time): holds are confirmed as their mails
  // come in, and new holds wait while the live ones are as many as wanted, so a seeding cut short by
  // the budget still has the bookings first.
  const liveHoldsWanted = () => (bookings < CONFIG.historyBookings ? CONFIG.historyHolds + 64 : Infinity);
  const holding = inParallel(
    slots,
    16,
    async (slot) => {
      while (holdsAccepted - bookings >= liveHoldsWanted() && !overBudget()) await sleep(50);
      if (overBudget()) return;
      const answer = await api.post('/api/client_schedule', { ...slot, client_id: client.id }, client.auth);
      if (answer.status === 202) holdsAccepted += 1;
      else count(answer.status);
    },
    overBudget,
  ).finally(() => (holdsDone = true));
  const confirmer = async () => {
    while (bookings < CONFIG.historyBookings && !overBudget()) {
      const token = tokens.take();
      if (token === undefined) {
        if (holdsDone && (tokens.found >= holdsAccepted || Date.now() - lastMailAt > 10_000)) return;
        const before = outbox.mails;
        await (scanning ??= outbox.scan().finally(() => (scanning = undefined)));
        if (outbox.mails > before) lastMailAt = Date.now();
        else await sleep(100);
        continue;
      }
      const answer = await api.post('/api/validate', { token }, {});
      if (answer.status === 200) bookings += 1;
      else count(answer.status);
    }
  };
  await Promise.all([holding, ...Array.from({ length: 16 }, confirmer)]);
  log(
    `history: ${holdsAccepted} holds accepted of ${wanted} wanted over ${heldDates.length} days, ${bookings} confirmed (${seconds(started)})`,
  );
  const cutShort = holdsAccepted < CONFIG.historyBookings + CONFIG.historyHolds || bookings < CONFIG.historyBookings;
  return {
    providerId,
    listingDate,
    days: dates.length,
    holdsAsked: wanted,
    holdsAccepted,
    bookings,
    refused,
    tookMs: Date.now() - started,
    cutShort: cutShort && overBudget(),
    mails: holdsAccepted + bookings,
  };
}
