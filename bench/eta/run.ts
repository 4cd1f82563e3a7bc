/*
 * `npm run bench:eta`: the expected-wait estimator (src/queue/expected-wait.ts) against the simple
 * rules (bench/eta/rules.ts) on seeded queue days (bench/eta/simulator.ts, regimes in regimes.ts).
 * Prints, per regime, the mean absolute error in minutes of the estimator, of each simple rule and of
 * the previous estimator; the estimator's error ÷ the best simple rule's (of all six, and of the three
 * as stated, whole service for the one being served); and how often the real wait fell inside the
 * estimator's range. It asserts nothing (src/queue/expected-wait.bench.spec.ts does, on fewer days).
 * Knobs (environment): ETA_DAYS (days per regime, default 200), ETA_SEED (default 1), ETA_REGIMES
 * (the regimes to run, by their number in the table from 1, comma-separated; default all), ETA_BOUND=1
 * (adds the clairvoyant bound of simulator.ts and its ratio to the best stated rule: what no estimator
 * can beat by much; slower, about a minute of CPU).
 */
import { REGIMES } from './regimes';
import { previousEstimator, SIMPLE_RULES, STATED_RULES } from './rules';
import { scoreRegime } from './simulator';

const days = Number(process.env.ETA_DAYS ?? 200);
const seed = Number(process.env.ETA_SEED ?? 1);
const rules = [...SIMPLE_RULES, previousEstimator];
const only = process.env.ETA_REGIMES?.split(',').map(Number);
const regimes = only ? REGIMES.filter((_regime, i) => only.includes(i + 1)) : REGIMES;
const bound = process.env.ETA_BOUND === '1';

console.log(`expected-wait bench: ${days} days per regime, seed ${seed}; mean absolute error in minutes`);
const header = [
  'regime',
  'estimator',
  ...rules.map((r) => r.name),
  '÷ best',
  '÷ best stated',
  'in range',
  ...(bound ? ['bound', 'bound ÷ best stated'] : []),
];
const rows: string[][] = [];
for (const regime of regimes) {
  const score = scoreRegime(regime, days, seed, rules, { bound });
  const errorOf = (name: string) => score.rules.find((r) => r.name === name)!.meanAbsoluteError;
  const best = Math.min(...SIMPLE_RULES.map((rule) => errorOf(rule.name)));
  const bestStated = Math.min(...STATED_RULES.map((rule) => errorOf(rule.name)));
  const estimator = score.estimator.meanAbsoluteError;
  rows.push([
    regime.name,
    estimator.toFixed(2),
    ...score.rules.map((r) => r.meanAbsoluteError.toFixed(2)),
    (estimator / best).toFixed(2),
    (estimator / bestStated).toFixed(2),
    `${(100 * score.coverage).toFixed(1)} %`,
    ...(score.bound ? [score.bound.meanAbsoluteError.toFixed(2), (score.bound.meanAbsoluteError / bestStated).toFixed(3)] : []),
  ]);
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of rows) console.log(line(row));
