/**
 * Measures the costs behind `kvstore plan` (src/cli/plan-model.ts): real runs of bench/plan-measure.ts over
 * key counts and value sizes, then least-squares fits of
 *   log bytes        = keys x (key + value + a) + writes x (key + value + b)
 *   checkpoint bytes = keys x (key + value + c)
 *   RSS              = base + keys x (perKey + perByte x (key + value))
 *   start-up ms      = base + keys x perKey + checkpoint bytes x perByte
 * One JSON line per run on stdout; the fitted costs and each run's error on stderr.
 *
 *   npm run bench:plan
 */
import { measurePlanRun, type PlanRun } from './plan-measure.js';

const SHAPES: [keys: number, valueBytes: number, writes: number][] = [
  [20_000, 100, 0],
  [50_000, 100, 0],
  [50_000, 100, 50_000],
  [80_000, 100, 0],
  [150_000, 64, 0],
  [100_000, 300, 0],
  [20_000, 1000, 0],
  [40_000, 1000, 0],
  [10_000, 4000, 0],
  [400_000, 100, 0],
];

/** Least squares: the x minimising |A x - y| (normal equations, Gaussian elimination). */
function leastSquares(rows: number[][], y: number[]): number[] {
  const n = rows[0]!.length;
  const m = Array.from({ length: n }, (_, i) => [
    ...Array.from({ length: n }, (_, j) => rows.reduce((s, r) => s + r[i]! * r[j]!, 0)),
    rows.reduce((s, r, k) => s + r[i]! * y[k]!, 0),
  ]);
  for (let i = 0; i < n; i++) {
    const p = m[i]![i]!;
    for (let j = i; j <= n; j++) m[i]![j]! /= p;
    for (let k = 0; k < n; k++) {
      if (k === i) continue;
      const f = m[k]![i]!;
      for (let j = i; j <= n; j++) m[k]![j]! -= f * m[i]![j]!;
    }
  }
  return m.map((r) => r[n]!);
}

const runs: PlanRun[] = [];
for (const [keys, valueBytes, writes] of SHAPES) {
  const run = await measurePlanRun(keys, valueBytes, writes);
  runs.push(run);
  console.log(JSON.stringify(run));
}
const data = (r: PlanRun) => r.keyBytes + r.valueBytes;
const bulk = runs.filter((r) => r.writes === 0);
const a = bulk.reduce((s, r) => s + r.logBytes / r.keys - data(r), 0) / bulk.length;
const withWrites = runs.filter((r) => r.writes > 0);
const b =
  withWrites.reduce((s, r) => s + (r.logBytes - r.keys * (data(r) + a)) / r.writes - data(r), 0) /
  Math.max(1, withWrites.length);
const c = runs.reduce((s, r) => s + r.checkpointBytes / r.keys - data(r), 0) / runs.length;
const rss = leastSquares(
  bulk.map((r) => [1, r.keys, r.keys * data(r)]),
  bulk.map((r) => r.rssBytes),
);
const startup = leastSquares(
  runs.map((r) => [1, r.keys, r.checkpointBytes]),
  runs.map((r) => r.startupMs),
);
console.error(
  JSON.stringify({
    logBulkEventOverhead: a,
    logWriteOverhead: b,
    checkpointKeyOverhead: c,
    rssBaseBytes: rss[0],
    rssPerKey: rss[1],
    rssPerDataByte: rss[2],
    startupBaseMs: startup[0],
    startupPerKeyMs: startup[1],
    startupPerByteMs: startup[2],
  }),
);
for (const r of bulk) {
  const predicted = rss[0]! + r.keys * (rss[1]! + rss[2]! * data(r));
  console.error(
    `${r.keys} keys x ${r.valueBytes} B: RSS ${(100 * (predicted / r.rssBytes - 1)).toFixed(1)} %`,
  );
}
