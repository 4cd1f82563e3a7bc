/*
 * The bench's knobs, read once from the environment (documented at the top of bench/run.ts), and the
 * small helpers every bench file shares.
 */
import { randomBytes } from 'node:crypto';

const env = process.env;

function numberFrom(name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got "${raw}"`);
  return value;
}

function countsFrom(name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error(`${name} must be a comma-separated list of whole numbers ≥ 1, got "${raw}"`);
  }
  return values;
}

export const CONFIG = {
  duration: numberFrom('BENCH_DURATION', 10, 1),
  warmup: numberFrom('BENCH_WARMUP', 3, 1),
  connections: countsFrom('BENCH_CONNECTIONS', [32, 256]),
  historyDays: Math.floor(numberFrom('BENCH_HISTORY_DAYS', 120, 2)),
  historyBookings: Math.floor(numberFrom('BENCH_HISTORY_BOOKINGS', 3000, 0)),
  historyHolds: Math.floor(numberFrom('BENCH_HISTORY_HOLDS', 2000, 0)),
  seedBudgetMs: numberFrom('BENCH_SEED_BUDGET', 60, 1) * 1000,
  insertPoolSize: 16,
  /** Dates are published from this many days ahead: far enough for any notice rule, near enough for any horizon. */
  firstDateOffsetDays: 3,
  /** Dates one provider is given before the next one is made: a year, inside any booking horizon. */
  datesPerProvider: 360,
  slotsPerDate: 96,
  startupTimeoutMs: 60_000,
  requestTimeoutMs: 15_000,
  /** How long the outbox may take to write the mail of one run once it ends. */
  outboxSettleTimeoutMs: 60_000,
  overallTimeoutMs: 15 * 60_000,
  adminDatabaseUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
  nodeEnv: env.BENCH_NODE_ENV || 'production',
  appNodeArgs: (env.BENCH_APP_NODE_ARGS || '').split(/\s+/).filter(Boolean),
};

/** Raised when the app (or the bench set-up) cannot start: the one case the bench exits non-zero. */
export class StartupError extends Error {}

export const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);
export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
export const randomId = (bytes = 6) => randomBytes(bytes).toString('hex');
export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
export const seconds = (sinceMs: number) => `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;

export function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

export function isoDate(daysFromToday: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + daysFromToday)).toISOString().slice(0, 10);
}

/** Runs `worker` over `items`, `limit` at a time, until done or until `shouldStop` says so. */
export async function inParallel<T>(
  items: T[],
  limit: number,
  worker: (item: T) => Promise<void>,
  shouldStop = () => false,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !shouldStop()) {
      const item = items[next++];
      await worker(item);
    }
  });
  await Promise.all(runners);
}

export interface HttpAnswer {
  status: number;
  /** The parsed JSON answer, or null when the body is not JSON. */
  json: Record<string, unknown> | null;
  text: string;
}

export async function http(
  base: string,
  method: string,
  urlPath: string,
  {
    body,
    headers = {},
    timeoutMs = CONFIG.requestTimeoutMs,
  }: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const response = await fetch(base + urlPath, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { status: response.status, json, text };
}
