/*
 * `npm run bench:eta`: the expected-wait estimator against the simple rules on seeded queue days
 * (bench/eta/simulator.ts, regimes in bench/eta/regimes.ts). Prints, per regime, the mean absolute
 * error of the estimator and of each rule (minutes), the estimator's error ÷ the best simple rule's,
 * and how often the real wait fell inside the estimator's 80 % range.
 * Knobs (environment): ETA_DAYS (days per regime, default 200), ETA_SEED (default 1).
 */
import { REGIMES } from './regimes';
import { bookedRule, lastServicesRule, previousEstimator } from './rules';
import { scoreRegime } from './simulator';

const days = Number(process.env.ETA_DAYS ?? 200);
const seed = Number(process.env.ETA_SEED ?? 1);
const simpleRules = [
  bookedRule(false),
  bookedRule(true),
  lastServicesRule(30, false),
  lastServicesRule(30, true),
  lastServicesRule(5, false),
  lastServicesRule(5, true),
];
const rules = [...simpleRules, previousEstimator];

console.log(`expected-wait bench: ${days} days per regime, seed ${seed}; mean absolute error in minutes`);
const header = ['regime', 'estimator', ...rules.map((r) => r.name), 'ratio', 'coverage'];
const rows: string[][] = [];
for (const regime of REGIMES) {
  const score = scoreRegime(regime, days, seed, rules);
  const best = Math.min(...score.rules.slice(0, simpleRules.length).map((r) => r.meanAbsoluteError));
  rows.push([
    regime.name,
    score.estimator.meanAbsoluteError.toFixed(2),
    ...score.rules.map((r) => r.meanAbsoluteError.toFixed(2)),
    (score.estimator.meanAbsoluteError / best).toFixed(3),
    `${(100 * score.coverage).toFixed(1)} %`,
  ]);
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(header));
for (const row of rows) console.log(line(row));
