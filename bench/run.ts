/*
 * `npm run bench`: throughput and tail latency of the scheduler's hot routes, measured with autocannon
 * against the built app (dist/main.js) on PostgreSQL + Redis, each as a ratio of a reference measured
 * on the same machine in the same run, at each connection count:
 *   - GET  /api/hello of a bare NestJS-on-Fastify app (bench/hello-app.ts) and of the scheduler itself
 *   - GET  /api/schedule?provider_id=&date=   the open-slot listing of one day, for a provider with a
 *                                             single published day and for one with months of history
 *                                             (thousands of holds and bookings), seeded through the API
 *   - POST /api/client_schedule               hold requests, every one for a distinct free slot (202)
 *   - POST /api/validate                      confirmations, every one with a distinct token read from
 *                                             the validation mails in the outbox folder (200)
 *   - a bare loop of single-row INSERTs through node `pg` (16 pooled connections, a table with a unique
 *     index, on the same database): the ceiling the hold and the confirmation are compared with.
 * It ends with issue 10's aims, each with its measured ratio and "meets" or "below".
 * Everything runs against 127.0.0.1 in a throw-away database (scheduler_bench_<random>), under a random
 * Redis key prefix and a temp DATA_DIR — the same fresh-backend set-up as the e2e suite
 * (test/support/fresh-backend.ts) — all removed at the end (also on Ctrl-C). It prints figures and
 * asserts nothing: it exits 0 however slow the app is, and non-zero only when the app (or the bench
 * set-up) cannot start.
 *
 * Knobs (environment): BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 3), BENCH_CONNECTIONS
 * (comma-separated connection counts, each a full round of rows, default "32,256"), BENCH_HISTORY_DAYS
 * (published days of the history provider, default 120), BENCH_HISTORY_BOOKINGS (default 3000) and
 * BENCH_HISTORY_HOLDS (live holds, default 2000) spread over those days, BENCH_SEED_BUDGET (s the history
 * seeding may take before it stops and says so, default 60), BENCH_DATABASE_URL (server to create the
 * database on, default postgres://postgres@127.0.0.1:5432/postgres), BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379), BENCH_NODE_ENV (NODE_ENV of the app, default production), BENCH_APP_NODE_ARGS
 * (extra node flags for the app, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import autocannon from 'autocannon';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServicesBackend, ServicesBackend } from '../test/support/fresh-backend';
import { freePort } from '../test/support/free-port';
import { CONFIG, fmt, http, inParallel, isoDate, log, messageOf, seconds, sleep, StartupError } from './config';
import { cannon, InsertCeiling, Measured, measuredOf, measureHttp } from './load';
import { OutboxReader } from './outbox';
import { children, printTail, startChild, stopChild, waitFor } from './processes';
import { printReport, ROUTES, Row } from './report';
import { Api, createClient, createProvider, publishDates, seedHistory, Slot, SlotPool } from './seed';

const ROOT = resolve(__dirname, '..');

// State that cleanup() undoes, whatever point the run reached.
const state: { backend?: Promise<ServicesBackend>; ceiling?: Promise<InsertCeiling> } = {};

let cleanupPromise: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleanupPromise ??= (async () => {
    for (const record of children) {
      try {
        await stopChild(record);
      } catch (error) {
        log(`cleanup: could not stop ${record.name}: ${messageOf(error)}`);
      }
    }
    await (await state.ceiling?.catch(() => undefined))?.close();
    // Waits for a set-up still under way (Ctrl-C while the database is being created), then undoes it.
    const backend = await state.backend?.catch(() => undefined);
    if (!backend) return;
    try {
      const { deletedKeys } = await backend.disposeCounting();
      log(
        `cleanup: dropped database ${backend.database}, deleted ${deletedKeys} Redis keys under ${backend.redisPrefix}, removed ${backend.dataDir}`,
      );
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

/**
 * Whether every distinct slot or token handed out in a run shows in its answers: a 2xx, another
 * status, or none yet (in flight at the end, or timed out); `repeated` requests, sent once they ran
 * out, reused one.
 */
function accounting(handedOut: number, repeated: number, result: Measured, what: string): string {
  const answered = result.ok + result.non2xx + result.unanswered;
  return (
    `${handedOut} distinct ${what} handed out in the measured run; 2xx ${result.ok} + other ${result.non2xx} + ` +
    `unanswered ${result.unanswered} = ${answered}: ${answered === handedOut + repeated ? 'they match' : 'THEY DIFFER'}` +
    (repeated > 0 ? `; RAN OUT of ${what} (${repeated} requests repeated one)` : '')
  );
}

const statusCounts = (counts: Map<number, number>) => [...counts].map(([status, count]) => `${status}: ${count}`).join(', ');

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

  const [appPort, helloPort] = [await freePort(), await freePort()];
  const appBase = `http://127.0.0.1:${appPort}`;
  const helloBase = `http://127.0.0.1:${helloPort}`;
  const app = startChild('scheduler (dist/main.js)', [...CONFIG.appNodeArgs, mainJs], {
    ...process.env,
    ...backend.env,
    NODE_ENV: CONFIG.nodeEnv,
    NO_COLOR: '1',
    HOST: '127.0.0.1',
    PORT: String(appPort),
    HOLD_TTL_SECONDS: '900',
    PUBLIC_URL: appBase,
    // The bench must measure the work, not the limiters: the highest limits the app accepts.
    RATE_LIMIT_PER_MINUTE: '1000000',
    MAX_PENDING_PER_CLIENT: '1000000',
    // Empty values keep any .env from pointing the app at a real mail or SMS service.
    SMTP_URL: '',
    SMS_URL: '',
  });
  const hello = startChild('hello-app', ['-r', 'ts-node/register/transpile-only', join(__dirname, 'hello-app.ts'), String(helloPort)], {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(helloPort),
    TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
  });
  await waitFor(app, appBase, '/api/health', 'the scheduler');
  await waitFor(hello, helloBase, '/api/hello', 'the hello app');
  log(`scheduler on ${appBase} and hello app on ${helloBase} are up (${seconds(started)})`);

  // --- Seed through the API.
  const api = new Api(appBase, backend.env.ADMIN_API_KEY!);
  const outbox = new OutboxReader(join(backend.dataDir, 'outbox'));
  /** Mails the app owes the outbox folder so far: one per accepted hold and one per confirmation. */
  let expectedMails = 0;
  const settleOutbox = async (after: string) => {
    const { caughtUp, waitedMs } = await outbox.settle(expectedMails, CONFIG.outboxSettleTimeoutMs);
    const what = `${outbox.mails} mails in the outbox, ${expectedMails} expected`;
    log(
      caughtUp
        ? `outbox caught up after ${after} in ${(waitedMs / 1000).toFixed(1)} s (${what})`
        : `outbox NOT caught up after ${after} (${what})`,
    );
  };

  const singleProviderId = await createProvider(api, 'single-day');
  const singleDate = isoDate(CONFIG.firstDateOffsetDays);
  await publishDates(api, singleProviderId, [singleDate]);
  const history = await seedHistory(api, outbox);
  expectedMails += history.mails;
  await settleOutbox('the history seeding');
  const listings = {
    single: `/api/schedule?provider_id=${singleProviderId}&date=${singleDate}`,
    history: `/api/schedule?provider_id=${history.providerId}&date=${history.listingDate}`,
  };
  const listed: string[] = [];
  for (const [which, path] of Object.entries(listings)) {
    const answer = await http(appBase, 'GET', path);
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    const slots = answer.json?.slots;
    listed.push(`${which}: GET ${path} lists ${Array.isArray(slots) ? slots.length : '?'} open slots (${answer.text.length} bytes)`);
  }
  for (const line of listed) log(line);

  const loadClient = await createClient(api, 'load');
  const slots = new SlotPool(api);
  const tokens = outbox.poolOf(loadClient.email);
  state.ceiling = InsertCeiling.create(backend.env.DATABASE_URL!);
  const ceiling = await state.ceiling;

  // --- Holds: each request a distinct free slot; the pool is filled from the warm-up's rate so the run cannot run out.
  const holdRates = new Map<number, number>();
  let holdsAccepted = 0;
  let holdsUnanswered = 0; // in flight when a run ended, or timed out: served, and mailed, without their answer being counted
  const holdAnswers = new Map<number, string>(); // the first answer of each status other than 202, for the report
  async function holdRow(connections: number): Promise<Row> {
    let instance: autocannon.Instance | undefined;
    let exhausted = 0;
    let last: Slot | undefined;
    const options = (): autocannon.Options => ({
      url: appBase + '/api/client_schedule',
      method: 'POST',
      headers: { 'content-type': 'application/json', ...loadClient.auth },
      requests: [
        {
          setupRequest(request) {
            const slot = slots.take();
            if (slot) last = slot;
            else {
              // Out of distinct slots: stop the run; the few requests sent before it stops repeat a slot (409).
              exhausted += 1;
              instance?.stop();
            }
            request.body = JSON.stringify({ ...(slot ?? last), client_id: loadClient.id });
            return request;
          },
          onResponse(status: number, body: string) {
            if (status !== 202 && holdAnswers.size < 5 && !holdAnswers.has(status)) holdAnswers.set(status, String(body).slice(0, 300));
          },
        },
      ],
    });
    const run = async (durationS: number) => measuredOf(await cannon(connections, durationS, options(), (i) => (instance = i)));
    const label = `${ROUTES.hold} @${connections}`;
    const earlierRate = Math.max(0, ...holdRates.values());
    await slots.ensure(Math.max(3000, Math.ceil(earlierRate * CONFIG.warmup * 2) + 4 * connections));
    log(`${label}: warm-up ${CONFIG.warmup} s`);
    const warm = await run(CONFIG.warmup);
    holdRates.set(connections, warm.peakPerSec);
    const needed = Math.ceil(warm.peakPerSec * CONFIG.duration * 2) + 4 * connections;
    if (slots.free < needed) log(`${label}: warm-up peaked at ${fmt(warm.peakPerSec)} req/s; publishing dates for ${needed} free slots`);
    await slots.ensure(needed);
    const [takenBefore, exhaustedBefore] = [slots.taken, exhausted];
    log(`${label}: measuring ${CONFIG.duration} s (${slots.free} free slots)`);
    const result = await run(CONFIG.duration);
    holdsAccepted += warm.ok + result.ok;
    holdsUnanswered += warm.unanswered + result.unanswered;
    expectedMails += warm.ok + result.ok;
    await settleOutbox(label);
    const notes = [accounting(slots.taken - takenBefore, exhausted - exhaustedBefore, result, 'slots')];
    return { route: 'hold', connections, warm, result, notes };
  }

  // --- Confirmations: each request a distinct token of a pending hold, read from the outbox.
  let extraHolds = 0;
  const extraRefused = new Map<number, number>();
  async function ensureTokens(count: number, label: string): Promise<void> {
    await settleOutbox(`the runs before ${label}`);
    const short = count - tokens.left;
    if (short <= 0) return;
    const holdsStarted = Date.now();
    await slots.ensure(short);
    const wanted = Array.from({ length: short }, () => slots.take()!);
    let accepted = 0;
    await inParallel(wanted, 32, async (slot) => {
      const answer = await api.post('/api/client_schedule', { ...slot, client_id: loadClient.id }, loadClient.auth);
      if (answer.status === 202) accepted += 1;
      else extraRefused.set(answer.status, (extraRefused.get(answer.status) ?? 0) + 1);
    });
    extraHolds += accepted;
    holdsAccepted += accepted;
    expectedMails += accepted;
    log(`${label}: ${tokens.left} tokens left, ${count} wanted: made ${accepted} more holds in ${seconds(holdsStarted)}`);
    await settleOutbox(`${accepted} more holds`);
  }
  const confirmRates = new Map<number, number>();
  async function confirmRow(connections: number): Promise<Row> {
    let instance: autocannon.Instance | undefined;
    let exhausted = 0;
    let last: string | undefined;
    const options = (): autocannon.Options => ({
      url: appBase + '/api/validate',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          setupRequest(request) {
            const token = tokens.take();
            if (token) last = token;
            else {
              // Out of tokens: stop the run; the few requests sent before it stops repeat a token (409).
              exhausted += 1;
              instance?.stop();
            }
            request.body = JSON.stringify({ token: token ?? last ?? 'no-token-left' });
            return request;
          },
        },
      ],
    });
    const run = async (durationS: number) => measuredOf(await cannon(connections, durationS, options(), (i) => (instance = i)));
    const label = `${ROUTES.confirm} @${connections}`;
    const expectedRate = Math.max(...confirmRates.values(), holdRates.get(connections) ?? 0, 100);
    await ensureTokens(Math.ceil(expectedRate * CONFIG.warmup * 1.5) + 4 * connections, label);
    log(`${label}: warm-up ${CONFIG.warmup} s (${tokens.left} tokens)`);
    const warm = await run(CONFIG.warmup);
    confirmRates.set(connections, warm.peakPerSec);
    await ensureTokens(Math.ceil(warm.peakPerSec * CONFIG.duration * 1.5) + 4 * connections, label);
    const [leftBefore, exhaustedBefore] = [tokens.left, exhausted];
    log(`${label}: measuring ${CONFIG.duration} s (${tokens.left} tokens)`);
    const result = await run(CONFIG.duration);
    expectedMails += warm.ok + result.ok; // a confirmation mail each
    await settleOutbox(label);
    const notes = [`${accounting(leftBefore - tokens.left, exhausted - exhaustedBefore, result, 'tokens')}; ${tokens.left} tokens left`];
    return { route: 'confirm', connections, warm, result, notes };
  }

  // --- The rows, one round per connection count, so each round's ratios are measured minutes apart at most.
  const rows: Row[] = [];
  const measured = async (route: Row['route'], connections: number, options: () => autocannon.Options) =>
    rows.push({ route, connections, ...(await measureHttp(ROUTES[route], connections, options)), notes: [] });
  for (const connections of CONFIG.connections) {
    await measured('bare-hello', connections, () => ({ url: helloBase + '/api/hello' }));
    await measured('own-hello', connections, () => ({ url: appBase + '/api/hello' }));
    await measured('listing-single', connections, () => ({ url: appBase + listings.single }));
    await measured('listing-history', connections, () => ({ url: appBase + listings.history }));
    rows.push({ route: 'insert', connections, ...(await ceiling.measure(connections)), notes: [] });
    rows.push(await holdRow(connections));
    rows.push(await confirmRow(connections));
  }

  // --- Report. Every hold served, answered or not, mails its link: wait for the last ones before comparing.
  const mailedHolds = holdsAccepted + holdsUnanswered;
  const mailDeadline = Date.now() + 15_000;
  while (tokens.found < mailedHolds && Date.now() < mailDeadline) {
    await outbox.scan();
    if (tokens.found < mailedHolds) await sleep(200);
  }
  const context = [
    `history provider: ${history.days} published days, ${history.holdsAccepted} holds accepted of ${history.holdsAsked} asked, ` +
      `${history.bookings} of them confirmed through their mailed links (${history.holdsAccepted - history.bookings} live holds), ` +
      `seeded through the API in ${(history.tookMs / 1000).toFixed(1)} s` +
      (history.refused.size ? `; refused: ${statusCounts(history.refused)}` : '') +
      (history.cutShort ? `; CUT SHORT: the API did not seed it all within ${CONFIG.seedBudgetMs / 1000} s` : ''),
    ...listed.map((line) => `listing ${line}`),
    `load client: ${holdsAccepted} holds answered 202 (${extraHolds} of them made up front for confirmations) + ${holdsUnanswered} ` +
      `unanswered at the end of a run = ${mailedHolds}; ${tokens.found} validation links read from its mails ` +
      `(${tokens.found === mailedHolds ? 'they match' : 'THEY DIFFER'}), ${tokens.left} unused` +
      (extraRefused.size ? `; holds made up front refused: ${statusCounts(extraRefused)}` : ''),
    `outbox: ${outbox.mails} mails read, at least ${expectedMails} expected (a validation mail per accepted hold, a confirmation per booking)`,
    ...[...holdAnswers].map(([status, body]) => `a ${status} answer to a hold request: ${body}`),
    ...[app, hello].filter((r) => r.exited).map((r) => `NOTE: ${r.name} exited during the run (code ${r.exitCode}, signal ${r.signal})`),
    `scheduler log: ${app.lines} lines, ${app.problemLines} warning/error lines`,
  ];
  const problems = [...app.problems].sort(([, a], [, b]) => b - a);
  context.push(...problems.slice(0, 10).map(([problem, count]) => `  ${count} × ${problem}`));
  if (problems.length > 10) context.push(`  … and ${problems.length - 10} more distinct lines`);
  context.push(`(bench took ${seconds(started)})`, '');
  printReport(rows, context);
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
      const app = children[0];
      if (app && !(error instanceof StartupError)) printTail(app, 20);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
