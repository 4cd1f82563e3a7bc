/*
 * `npm run bench`: throughput and tail latency of the scheduler's hot routes, measured with autocannon
 * against the built app (dist/main.js) on PostgreSQL + Redis, each expressed as a ratio of a bare
 * NestJS-on-Fastify "hello" app (bench/hello-app.ts) measured on the same machine in the same run:
 *   - GET  /api/schedule?provider_id=&date=   open-slot listing of one seeded date
 *   - POST /api/client_schedule               hold requests, every one for a distinct free slot (so 202)
 *   - GET  /api/hello of the scheduler itself, as context for the framework + global-setup overhead.
 * Everything runs against 127.0.0.1 in a throw-away database (scheduler_bench_<random>), under a random
 * Redis key prefix and a temp DATA_DIR — the same fresh-backend set-up as the e2e suite
 * (test/support/fresh-backend.ts) — all removed at the end (also on Ctrl-C). It prints figures and
 * asserts nothing: it exits 0 however slow the app is, and non-zero only when the app (or the bench
 * set-up) cannot start.
 *
 * Knobs (environment): BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 3), BENCH_CONNECTIONS
 * (default 32), BENCH_DATES (dates of availability seeded up front, default 120), BENCH_DATABASE_URL
 * (server to create the database on, default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_REDIS_URL (default redis://127.0.0.1:6379), BENCH_NODE_ENV (NODE_ENV of the app, default production),
 * BENCH_APP_NODE_ARGS (extra node flags for the app, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createServicesBackend, ServicesBackend } from '../test/support/fresh-backend';
import { freePort } from '../test/support/free-port';

const ROOT = resolve(__dirname, '..');
const env = process.env;

function numberFrom(name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got "${raw}"`);
  return value;
}

const CONFIG = {
  duration: numberFrom('BENCH_DURATION', 10, 1),
  warmup: numberFrom('BENCH_WARMUP', 3, 1),
  connections: Math.floor(numberFrom('BENCH_CONNECTIONS', 32, 1)),
  dates: Math.floor(numberFrom('BENCH_DATES', 120, 2)),
  firstDateOffsetDays: 30,
  maxDates: 2000,
  slotsPerDate: 96,
  startupTimeoutMs: 60_000,
  requestTimeoutMs: 15_000,
  overallTimeoutMs: 10 * 60_000,
  adminDatabaseUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
  nodeEnv: env.BENCH_NODE_ENV || 'production',
};

class StartupError extends Error {}

/** A child process whose output is kept (a tail, plus every warning/error line). */
interface ChildRecord {
  name: string;
  child: ChildProcess;
  exited: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  exitPromise: Promise<void>;
  tail: string[];
  lines: number;
  problems: string[];
}

// ---------------------------------------------------------------------------------------------------
// State that cleanup() undoes, whatever point the run reached.
const state: { children: ChildRecord[]; backend?: Promise<ServicesBackend> } = { children: [] };

const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const randomId = (bytes = 6) => randomBytes(bytes).toString('hex');
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function startChild(name: string, args: string[], childEnv: NodeJS.ProcessEnv): ChildRecord {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const record: ChildRecord = {
    name,
    child,
    exited: false,
    exitCode: null,
    signal: null,
    exitPromise: Promise.resolve(),
    tail: [],
    lines: 0,
    problems: [],
  };
  record.exitPromise = new Promise((done) => {
    child.on('exit', (code, signal) => {
      record.exited = true;
      record.exitCode = code;
      record.signal = signal;
      done();
    });
  });
  child.on('error', (error) => record.tail.push(`(spawn error) ${error.message}`));
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        record.lines += 1;
        record.tail.push(line);
        if (record.tail.length > 60) record.tail.shift();
        if (/\b(ERROR|WARN|FATAL)\b|Error:|UnhandledPromiseRejection/.test(line)) record.problems.push(line);
      }
    });
  }
  state.children.push(record);
  return record;
}

async function stopChild(record: ChildRecord): Promise<void> {
  if (record.exited) return;
  record.child.kill('SIGTERM');
  const exited = await Promise.race([record.exitPromise.then(() => true), sleep(5000).then(() => false)]);
  if (!exited && !record.exited) {
    record.child.kill('SIGKILL');
    await Promise.race([record.exitPromise, sleep(2000)]);
  }
}

interface HttpAnswer {
  status: number;
  /** The parsed JSON answer, or null when the body is not JSON. */
  json: Record<string, unknown> | null;
  text: string;
}

async function http(
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

async function waitFor(record: ChildRecord, base: string, urlPath: string, what: string): Promise<void> {
  const deadline = Date.now() + CONFIG.startupTimeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (record.exited) {
      throw new StartupError(`${what} exited during start-up (code ${record.exitCode}, signal ${record.signal})`);
    }
    try {
      const response = await http(base, 'GET', urlPath, { timeoutMs: 2000 });
      if (response.status === 200) return;
      last = `HTTP ${response.status} ${response.text.slice(0, 300)}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      last = cause?.code ?? messageOf(error);
    }
    await sleep(250);
  }
  throw new StartupError(`${what} did not answer 200 on ${urlPath} within ${CONFIG.startupTimeoutMs / 1000} s (last: ${last})`);
}

function printTail(record: ChildRecord, lines = 40): void {
  log(`last ${Math.min(lines, record.tail.length)} lines of ${record.name}'s output:`);
  for (const line of record.tail.slice(-lines)) process.stdout.write(`    ${line}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Clean-up: the children, then the database, the Redis keys and the data folder.

let cleanupPromise: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleanupPromise ??= (async () => {
    for (const record of state.children) {
      try {
        await stopChild(record);
      } catch (error) {
        log(`cleanup: could not stop ${record.name}: ${messageOf(error)}`);
      }
    }
    // Waits for a set-up still under way (Ctrl-C while the database is being created), then undoes it.
    const backend = await state.backend?.catch(() => undefined);
    if (!backend) return;
    try {
      const { deletedKeys } = await backend.disposeCounting();
      log(`cleanup: dropped database ${backend.database}, deleted ${deletedKeys} Redis keys under ${backend.redisPrefix}`);
    } catch (error) {
      log(`cleanup: ${messageOf(error)}`);
    }
  })();
  return cleanupPromise;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(code));
  });
}

// ---------------------------------------------------------------------------------------------------
// Load.

function cannon(options: autocannon.Options, onInstance?: (instance: autocannon.Instance) => void): Promise<autocannon.Result> {
  return new Promise((done, fail) => {
    const instance = autocannon({ pipelining: 1, timeout: 10, connections: CONFIG.connections, ...options }, (error, result) =>
      error ? fail(error instanceof Error ? error : new Error(String(error))) : done(result),
    );
    onInstance?.(instance);
  });
}

interface Row {
  label: string;
  warm: autocannon.Result;
  result: autocannon.Result;
}

/** Warm-up, then the measured run, of the same autocannon options. */
async function measure(label: string, makeOptions: () => autocannon.Options): Promise<Row> {
  log(`${label}: warm-up ${CONFIG.warmup} s`);
  const warm = await cannon({ ...makeOptions(), duration: CONFIG.warmup });
  log(`${label}: measuring ${CONFIG.duration} s, ${CONFIG.connections} connections`);
  const result = await cannon({ ...makeOptions(), duration: CONFIG.duration });
  return { label, warm, result };
}

function isoDate(daysFromToday: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + daysFromToday)).toISOString().slice(0, 10);
}

async function inParallel<T>(items: T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await worker(item);
    }
  });
  await Promise.all(runners);
}

const countOf = (result: autocannon.Result, status: number) => result.statusCodeStats?.[`${status}`]?.count ?? 0;

function statusSummary(result: autocannon.Result): string {
  return (
    Object.entries(result.statusCodeStats ?? {})
      .map(([code, { count }]) => `${code}: ${count}`)
      .join(', ') || '(no responses)'
  );
}

function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  const mainJs = join(ROOT, 'dist', 'main.js');
  if (!existsSync(mainJs)) throw new StartupError(`${mainJs} is missing: run \`npx nest build\` (npm run bench does)`);

  state.backend = createServicesBackend({ label: 'bench', serverUrl: CONFIG.adminDatabaseUrl, redisUrl: CONFIG.redisUrl });
  let backend: ServicesBackend;
  try {
    backend = await state.backend;
  } catch (error) {
    throw new StartupError(`could not create a database on ${CONFIG.adminDatabaseUrl}: ${messageOf(error)}`);
  }
  log(`database ${backend.database}, Redis prefix ${backend.redisPrefix}, DATA_DIR ${backend.dataDir}`);

  const adminKey = backend.env.ADMIN_API_KEY!;
  const [appPort, helloPort] = [await freePort(), await freePort()];
  const appBase = `http://127.0.0.1:${appPort}`;
  const helloBase = `http://127.0.0.1:${helloPort}`;

  const appNodeArgs = (env.BENCH_APP_NODE_ARGS || '').split(/\s+/).filter(Boolean);
  const app = startChild('scheduler (dist/main.js)', [...appNodeArgs, mainJs], {
    ...env,
    ...backend.env,
    NODE_ENV: CONFIG.nodeEnv,
    NO_COLOR: '1',
    HOST: '127.0.0.1',
    PORT: String(appPort),
    HOLD_TTL_SECONDS: '900',
    PUBLIC_URL: appBase,
    // The bench must measure the work, not the limiter: the highest limit the app accepts.
    RATE_LIMIT_PER_MINUTE: '1000000',
    // Empty values keep any .env from pointing the app at a real mail or SMS service.
    SMTP_URL: '',
    SMS_URL: '',
  });
  const hello = startChild('hello-app', ['-r', 'ts-node/register/transpile-only', join(__dirname, 'hello-app.ts'), String(helloPort)], {
    ...env,
    NODE_ENV: 'production',
    PORT: String(helloPort),
    TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
  });

  try {
    await waitFor(app, appBase, '/api/health', 'the scheduler');
  } catch (error) {
    printTail(app);
    throw error;
  }
  try {
    await waitFor(hello, helloBase, '/api/hello', 'the hello app');
  } catch (error) {
    printTail(hello);
    throw error;
  }
  log(`scheduler on ${appBase} and hello app on ${helloBase} are up (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  // --- Seed through the API.
  const admin = { authorization: `Bearer ${adminKey}` };
  const tag = randomId(4);
  const provider = await http(appBase, 'POST', '/api/providers', {
    headers: admin,
    body: { name: 'Bench Provider', email: `bench-provider-${tag}@example.com`, time_zone: 'UTC' },
  });
  if (provider.status !== 201 || !provider.json)
    throw new Error(`POST /api/providers answered ${provider.status}: ${provider.text.slice(0, 500)}`);
  const client = await http(appBase, 'POST', '/api/clients', {
    headers: admin,
    body: { name: 'Bench Client', email: `bench-client-${tag}@example.com` },
  });
  if (client.status !== 201 || !client.json) throw new Error(`POST /api/clients answered ${client.status}: ${client.text.slice(0, 500)}`);
  const providerId = Number(provider.json.id);
  const clientId = Number(client.json.id);
  // A client asks for its own slots: with its own key when the app issues one, else the administrator's.
  const clientKey = client.json.api_key;
  const clientAuth = typeof clientKey === 'string' ? { authorization: `Bearer ${clientKey}` } : admin;

  let seededDates = 0;
  const holdDates: string[] = [];
  async function seedDates(count: number): Promise<string[]> {
    const dates: string[] = [];
    for (let i = 0; i < count && seededDates + i < CONFIG.maxDates; i++) {
      dates.push(isoDate(CONFIG.firstDateOffsetDays + seededDates + i));
    }
    seededDates += dates.length;
    const failures: string[] = [];
    await inParallel(dates, 8, async (date) => {
      const response = await http(appBase, 'POST', '/api/schedule', {
        headers: admin,
        body: { date, start_time: '00:00', end_time: '24:00', provider_id: providerId },
      });
      if (response.status !== 201) failures.push(`${date}: ${response.status} ${response.text.slice(0, 300)}`);
    });
    if (failures.length > 0) throw new Error(`POST /api/schedule failed for ${failures.length} date(s), e.g. ${failures[0]}`);
    return dates;
  }
  const seedStarted = Date.now();
  const [listingDate, ...firstHoldDates] = await seedDates(CONFIG.dates);
  holdDates.push(...firstHoldDates);
  log(
    `seeded provider ${providerId}, client ${clientId}, ${seededDates} dates × ${CONFIG.slotsPerDate} slots ` +
      `(${seededDates * CONFIG.slotsPerDate}) in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s; listing date ${listingDate}`,
  );

  const listingPath = `/api/schedule?provider_id=${encodeURIComponent(providerId)}&date=${listingDate}`;
  const listing = await http(appBase, 'GET', listingPath);
  const slots = listing.json?.slots;
  const listedSlots = Array.isArray(slots) ? slots.length : undefined;
  if (listing.status !== 200) throw new Error(`GET ${listingPath} answered ${listing.status}: ${listing.text.slice(0, 500)}`);
  log(`GET ${listingPath} lists ${listedSlots ?? '?'} open slots (${listing.text.length} bytes)`);

  // --- The distinct slots for hold requests: (date, slot index) pairs handed out one per request.
  let nextSlot = 0;
  let exhausted = 0;
  const takeSlot = (): { date: string; slot: number } | undefined => {
    const total = holdDates.length * CONFIG.slotsPerDate;
    if (nextSlot >= total) return undefined;
    const i = nextSlot++;
    return { date: holdDates[Math.floor(i / CONFIG.slotsPerDate)], slot: i % CONFIG.slotsPerDate };
  };
  const holdBodies = new Map<number, string>(); // first few non-202 answers, for the report
  function holdOptions(onExhausted: () => void): autocannon.Options {
    let last: { date: string; slot: number } | undefined;
    return {
      url: appBase + '/api/client_schedule',
      method: 'POST',
      headers: { 'content-type': 'application/json', ...clientAuth },
      requests: [
        {
          setupRequest(request) {
            const next = takeSlot();
            if (next) last = next;
            else {
              // Out of distinct slots: stop the run; the few requests sent before it stops repeat a slot (409).
              exhausted += 1;
              onExhausted();
            }
            const { date, slot } = next ?? last ?? { date: listingDate, slot: 0 };
            request.body = JSON.stringify({ date, provider_id: providerId, client_id: clientId, requested_slot: slot });
            return request;
          },
          onResponse(status: number, body: string) {
            if (status !== 202 && holdBodies.size < 5 && !holdBodies.has(status)) holdBodies.set(status, String(body).slice(0, 300));
          },
        },
      ],
    };
  }

  const rows: Row[] = [];

  // (a) the baseline, (a') the scheduler's own hello, (b) the listing.
  rows.push(await measure('bare NestJS+Fastify GET /api/hello', () => ({ url: helloBase + '/api/hello' })));
  rows.push(await measure('scheduler GET /api/hello', () => ({ url: appBase + '/api/hello' })));
  rows.push(await measure('GET /api/schedule (open-slot listing)', () => ({ url: appBase + listingPath })));

  // (c) hold requests. Warm up first, and from its rate make sure the measured run cannot run out of slots.
  const holdLabel = 'POST /api/client_schedule (hold)';
  let instance: autocannon.Instance | undefined;
  const stopInstance = () => instance?.stop();
  log(`${holdLabel}: warm-up ${CONFIG.warmup} s`);
  const holdWarm = await cannon({ ...holdOptions(stopInstance), duration: CONFIG.warmup }, (i) => (instance = i));
  const warmRate = holdWarm.requests.total / Math.max(holdWarm.duration, 0.1);
  const needed = Math.ceil(warmRate * CONFIG.duration * 2) + 4 * CONFIG.connections;
  const remaining = holdDates.length * CONFIG.slotsPerDate - nextSlot;
  if (remaining < needed) {
    const more = Math.ceil((needed - remaining) / CONFIG.slotsPerDate);
    log(`${holdLabel}: warm-up ran at ${fmt(warmRate)} req/s; seeding ${more} more dates so every request gets a free slot`);
    holdDates.push(...(await seedDates(more)));
  }
  const slotsBefore = nextSlot;
  const exhaustedBefore = exhausted;
  log(
    `${holdLabel}: measuring ${CONFIG.duration} s, ${CONFIG.connections} connections (${holdDates.length * CONFIG.slotsPerDate - nextSlot} free slots)`,
  );
  const holdResult = await cannon({ ...holdOptions(stopInstance), duration: CONFIG.duration }, (i) => (instance = i));
  rows.push({ label: holdLabel, warm: holdWarm, result: holdResult });
  const holdExhausted = exhausted - exhaustedBefore;

  // Did every accepted hold leave a validation mail in the outbox? (Mail may be sent just after the answer.)
  await sleep(1500);
  let outboxMails: number | undefined;
  try {
    outboxMails = readdirSync(join(backend.dataDir, 'outbox')).filter((file) => file.endsWith('.eml')).length;
  } catch {
    outboxMails = undefined;
  }

  // --- Report.
  const out = (text: string) => process.stdout.write(text);
  const baseline = rows[0].result.requests.average;
  const header = ['route', 'req/s (avg)', 'p99 ms', 'non-2xx', 'errors', '× hello'];
  const table = rows.map(({ label, result }) => [
    label,
    fmt(result.requests.average, 1),
    fmt(result.latency.p99, 1),
    String(result.non2xx),
    String(result.errors),
    fmt(result.requests.average / baseline, 3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  out('\n');
  out(
    `Results (${CONFIG.duration} s each after a ${CONFIG.warmup} s warm-up, ${CONFIG.connections} connections, pipelining 1, ` +
      `NODE_ENV=${CONFIG.nodeEnv}, ${cpus().length} CPUs, Node ${process.version}; p99 is over 2xx answers)\n`,
  );
  out(line(header) + '\n');
  out(widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const row of table) out(line(row) + '\n');
  out('\n');

  const ratio = (i: number) => rows[i].result.requests.average / baseline;
  const verdict = (value: number, aim: number) => `${fmt(value, 3)}× (${value >= aim ? 'meets' : 'below'} the aim)`;
  out('aim: listing ≥ 0.5× hello, hold request ≥ 0.25× hello\n');
  out(`     listing ${verdict(ratio(2), 0.5)}; hold request ${verdict(ratio(3), 0.25)}\n\n`);

  for (const { label, result } of rows) {
    out(
      `${label}: ${result.requests.total} answers of ${result.requests.sent} sent [${statusSummary(result)}], ` +
        `${result.errors} errors (${result.timeouts} timeouts), mean ${fmt(result.latency.average, 2)} ms, p50 ${fmt(result.latency.p50, 1)} ms, ` +
        `p99 ${fmt(result.latency.p99, 1)} ms, max ${fmt(result.latency.max, 1)} ms\n`,
    );
  }
  const accepted = countOf(holdResult, 202);
  const other = holdResult.requests.total - accepted;
  out(
    `hold requests: ${accepted} answered 202, ${other} answered otherwise, ${holdResult.requests.sent - holdResult.requests.total} ` +
      `still in flight when the run stopped; ${nextSlot - slotsBefore} distinct slots handed out in the measured run, ${nextSlot} in all` +
      (holdExhausted > 0 ? `; RAN OUT of slots (${holdExhausted} requests repeated a slot)` : '') +
      '\n',
  );
  for (const [status, body] of holdBodies) out(`  a ${status} answer to a hold request: ${body}\n`);
  const acceptedAll = accepted + countOf(holdWarm, 202);
  out(
    `outbox: ${outboxMails ?? 'no'} .eml files for ${acceptedAll} holds answered 202 and ${nextSlot} sent (warm-up included; ` +
      `requests in flight at a run's end are served but their answers are not counted)\n`,
  );

  for (const record of [app, hello]) {
    if (record.exited) out(`NOTE: ${record.name} exited during the run (code ${record.exitCode}, signal ${record.signal})\n`);
  }
  out(`scheduler log: ${app.lines} lines, ${app.problems.length} warning/error lines\n`);
  const distinct = [...new Set(app.problems.map((l) => l.replace(/^\[Nest\]\s+\d+\s+-\s+[^A-Z]*\s+/, '')))];
  for (const problem of distinct.slice(0, 10)) out(`  ${problem.slice(0, 400)}\n`);
  if (distinct.length > 10) out(`  … and ${distinct.length - 10} more distinct lines\n`);
  out(`(bench took ${((Date.now() - started) / 1000).toFixed(0)} s)\n\n`);
}

const watchdog = setTimeout(() => {
  log(`still running after ${CONFIG.overallTimeoutMs / 1000} s: giving up`);
  void cleanup().finally(() => process.exit(1));
}, CONFIG.overallTimeoutMs);
watchdog.unref();

void main()
  .then(
    () => 0,
    (error: unknown) => {
      log(
        error instanceof StartupError
          ? `the app failed to start: ${error.message}`
          : `failed: ${error instanceof Error ? error.stack : String(error)}`,
      );
      const app = state.children[0];
      if (app && !(error instanceof StartupError)) printTail(app, 20);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
