/*
 * The printed report: one row per route and connection count with its ratio, a flag for any error
 * or non-2xx answer, the aims with their measured ratios, and each run's details.
 */
import { cpus } from 'node:os';
import { CONFIG, fmt } from './config';
import { Measured } from './load';

export type RouteKey = 'bare-hello' | 'own-hello' | 'listing-single' | 'listing-history' | 'insert' | 'hold' | 'confirm';

export const ROUTES: Record<RouteKey, string> = {
  'bare-hello': 'bare NestJS+Fastify GET /api/hello',
  'own-hello': 'scheduler GET /api/hello',
  'listing-single': 'GET /api/schedule (single-day provider)',
  'listing-history': 'GET /api/schedule (provider with history)',
  insert: 'bare pg INSERT loop (ceiling)',
  hold: 'POST /api/client_schedule (hold)',
  confirm: 'POST /api/validate (confirm)',
};

const SHORT: Record<RouteKey, string> = {
  'bare-hello': 'bare hello',
  'own-hello': 'own hello',
  'listing-single': 'single-day listing',
  'listing-history': 'history listing',
  insert: 'INSERT',
  hold: 'hold',
  confirm: 'confirm',
};

interface Aim {
  route: RouteKey;
  of: RouteKey;
  aim: number;
}

/** Issue 10's aims: each route's throughput as a share of its reference, measured in the same run at the same connections. */
export const AIMS: Aim[] = [
  { route: 'own-hello', of: 'bare-hello', aim: 0.6 },
  { route: 'listing-single', of: 'bare-hello', aim: 0.5 },
  { route: 'listing-history', of: 'listing-single', aim: 0.85 },
  { route: 'hold', of: 'insert', aim: 0.4 },
  { route: 'confirm', of: 'insert', aim: 0.25 },
];

export interface Row {
  route: RouteKey;
  connections: number;
  warm: Measured;
  result: Measured;
  /** What else the run needs said: slots or tokens running out, what the 2xx answers left behind. */
  notes: string[];
}

const out = (text = '') => process.stdout.write(`${text}\n`);

export function printReport(rows: Row[], context: string[]): void {
  const find = (route: RouteKey, connections: number) => rows.find((row) => row.route === route && row.connections === connections);
  const ratio = (route: RouteKey, of: RouteKey, connections: number) => {
    const [row, reference] = [find(route, connections), find(of, connections)];
    return row && reference ? row.result.okPerSec / reference.result.okPerSec : NaN;
  };
  const verdict = (value: number, aim: number) => (Number.isFinite(value) ? (value >= aim ? 'meets' : 'below') : 'not measured');
  const flagged = (m: Measured) => m.non2xx > 0 || m.errors > 0 || m.ok === 0;

  const header = ['route', 'conns', 'ok/s', 'p99 ms', '2xx/ok', 'non-2xx', 'errors', '× bare hello', 'aim', ''];
  const table = rows.map(({ route, connections, result, warm }) => {
    const aim = AIMS.find((a) => a.route === route);
    const aimRatio = aim ? ratio(route, aim.of, connections) : NaN;
    return [
      ROUTES[route],
      String(connections),
      fmt(result.okPerSec, 1),
      fmt(result.p99, 1),
      String(result.ok),
      String(result.non2xx),
      String(result.errors),
      route === 'insert' ? '-' : fmt(ratio(route, 'bare-hello', connections), 3),
      aim ? `${fmt(aimRatio, 3)} × ${SHORT[aim.of]} (≥ ${aim.aim}: ${verdict(aimRatio, aim.aim)})` : '',
      flagged(result) || flagged(warm) ? '!!' : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i >= 8 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  out();
  out(
    `Results (${CONFIG.duration} s each after a ${CONFIG.warmup} s warm-up, pipelining 1, NODE_ENV=${CONFIG.nodeEnv}, ` +
      `${cpus().length} CPUs, Node ${process.version}; ok/s counts 2xx answers (committed rows for the INSERT loop), p99 is over those)`,
  );
  out(line(header));
  out(line(widths.map((w) => '-'.repeat(w))));
  for (const row of table) out(line(row));
  out();

  const problems = rows.flatMap(({ route, connections, warm, result }) =>
    (
      [
        ['measured run', result],
        ['warm-up', warm],
      ] as const
    )
      .filter(([, m]) => flagged(m))
      .map(([run, m]) =>
        m.ok === 0
          ? `!! ${ROUTES[route]} @${connections} (${run}): no successful answer within the run (${m.unanswered} unanswered)`
          : `!! ${ROUTES[route]} @${connections} (${run}): ${m.non2xx} non-2xx [${statusSummary(m)}], ${errorSummary(m)}`,
      ),
  );
  if (problems.length === 0) out('No errors, no non-2xx answers and no run without answers (warm-ups included).');
  else for (const problem of problems) out(problem);
  out();

  out('Aims (ratios of throughput measured in this run, at the same connections):');
  for (const { route, of, aim } of AIMS) {
    const cells = CONFIG.connections.map((connections) => {
      const value = ratio(route, of, connections);
      return `@${connections}: ${fmt(value, 3)} ${verdict(value, aim)}`;
    });
    out(`  ${SHORT[route]} ≥ ${aim} × ${SHORT[of]}`.padEnd(48) + cells.join('   '));
  }
  out();

  for (const { route, connections, result, notes } of rows) {
    out(
      `${ROUTES[route]} @${connections}: ${result.ok} ok in ${fmt(result.durationS, 1)} s [${statusSummary(result)}], ${errorSummary(result)}, ` +
        `${result.unanswered} unanswered at the end; latency mean ${fmt(result.mean, 2)} ms, p50 ${fmt(result.p50, 1)}, ` +
        `p99 ${fmt(result.p99, 1)}, max ${fmt(result.max, 1)}`,
    );
    for (const note of notes) out(`    ${note}`);
  }
  out();
  for (const text of context) out(text);
}

function statusSummary(m: Measured): string {
  return (
    Object.entries(m.statuses)
      .map(([code, count]) => `${code}: ${count}`)
      .join(', ') || (m.ok > 0 ? 'committed' : 'no answers')
  );
}

function errorSummary(m: Measured): string {
  return `${m.errors} errors (${m.timeouts} timeouts)`;
}
