/*
 * The load: autocannon runs against HTTP routes, and the ceiling they are compared with, a loop of
 * single-row INSERTs straight into PostgreSQL through node `pg`, driven the same way (N concurrent
 * callers for the same duration). Both end as a Measured: what one row of the report shows.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { CONFIG, log } from './config';

export interface Measured {
  durationS: number;
  /** Successful operations (2xx answers, committed INSERTs) per second of the run. */
  okPerSec: number;
  /** The busiest second's answers: what a longer run may keep up, once warm. */
  peakPerSec: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Requests sent without an answer counted: still in flight when the run ended, or timed out. */
  unanswered: number;
  statuses: Record<string, number>;
  /** Latency of the successful operations, ms. */
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

export function cannon(
  connections: number,
  durationS: number,
  options: autocannon.Options,
  onInstance?: (instance: autocannon.Instance) => void,
): Promise<autocannon.Result> {
  return new Promise((done, fail) => {
    const instance = autocannon({ pipelining: 1, timeout: 10, ...options, connections, duration: durationS }, (error, result) =>
      error ? fail(error instanceof Error ? error : new Error(String(error))) : done(result),
    );
    onInstance?.(instance);
  });
}

export function measuredOf(result: autocannon.Result): Measured {
  const statuses: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stats?.count ?? 0;
  const ok = Object.entries(statuses)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  const durationS = Math.max(result.duration, 0.001);
  return {
    durationS,
    okPerSec: ok / durationS,
    peakPerSec: Math.max(result.requests.max, ok / durationS),
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    unanswered: Math.max(0, result.requests.sent - result.requests.total),
    statuses,
    mean: result.latency.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  };
}

/** A warm-up, then the measured run, of the same autocannon options. */
export async function measureHttp(
  label: string,
  connections: number,
  makeOptions: () => autocannon.Options,
): Promise<{ warm: Measured; result: Measured }> {
  log(`${label} @${connections}: warm-up ${CONFIG.warmup} s, then ${CONFIG.duration} s`);
  const warm = measuredOf(await cannon(connections, CONFIG.warmup, makeOptions()));
  const result = measuredOf(await cannon(connections, CONFIG.duration, makeOptions()));
  return { warm, result };
}

/**
 * The ceiling for the write routes: `workers` concurrent callers each inserting one row at a time,
 * through a pool of CONFIG.insertPoolSize connections, into a table with a unique index (as a hold
 * claims its slot), on the scheduler's own database.
 */
export class InsertCeiling {
  private readonly pool: Pool;
  private nextKey = 0;

  private constructor(databaseUrl: string) {
    this.pool = new Pool({ connectionString: databaseUrl, max: CONFIG.insertPoolSize });
    this.pool.on('error', () => undefined); // an idle connection dropped at clean-up
  }

  static async create(databaseUrl: string): Promise<InsertCeiling> {
    const ceiling = new InsertCeiling(databaseUrl);
    await ceiling.pool.query(`
      CREATE TABLE bench_insert_ceiling (
        id bigserial PRIMARY KEY,
        provider_id integer NOT NULL,
        starts_at timestamptz NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX bench_insert_ceiling_slot ON bench_insert_ceiling (provider_id, starts_at)`);
    return ceiling;
  }

  async measure(workers: number): Promise<{ warm: Measured; result: Measured }> {
    log(`bare INSERT loop @${workers}: warm-up ${CONFIG.warmup} s, then ${CONFIG.duration} s`);
    const warm = await this.run(workers, CONFIG.warmup);
    const result = await this.run(workers, CONFIG.duration);
    return { warm, result };
  }

  private async run(workers: number, durationS: number): Promise<Measured> {
    const latencies: number[] = [];
    let errors = 0;
    const firstError: string[] = [];
    const started = performance.now();
    const deadline = started + durationS * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const key = this.nextKey++;
        const sent = performance.now();
        try {
          await this.pool.query({
            name: 'bench_insert_ceiling',
            text: 'INSERT INTO bench_insert_ceiling (provider_id, starts_at, status) VALUES ($1, $2, $3)',
            values: [1 + (key % 1000), new Date(Date.UTC(2030, 0, 1) + Math.floor(key / 1000) * 900_000), 'pending'],
          });
          latencies.push(performance.now() - sent);
        } catch (error) {
          errors += 1;
          if (firstError.length === 0) firstError.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    // The run lasts until the last INSERT started before the deadline ends.
    const elapsedS = (performance.now() - started) / 1000;
    if (firstError.length > 0) log(`bare INSERT loop: ${errors} errors, e.g. ${firstError[0]}`);
    latencies.sort((a, b) => a - b);
    const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN);
    return {
      durationS: elapsedS,
      okPerSec: latencies.length / elapsedS,
      peakPerSec: latencies.length / elapsedS,
      ok: latencies.length,
      non2xx: 0,
      errors,
      timeouts: 0,
      unanswered: 0,
      statuses: {},
      mean: latencies.reduce((sum, value) => sum + value, 0) / Math.max(latencies.length, 1),
      p50: at(0.5),
      p99: at(0.99),
      max: latencies.at(-1) ?? NaN,
    };
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
