/**
 * The side-by-side runs of bench:api and bench:etcd: every target once per round, in an order rotated from
 * round to round (so no target is always measured first or last), and a markdown table of the medians.
 */
import { loadOptions } from '../load/options.js';
import type { LoadResult } from '../load/result.js';
import { runLoad } from '../load/run.js';
import type { TargetName } from '../load/targets/index.js';

/** A server to drive: its row label, the load tool's API for it, where it listens, whose CPU to read. */
export interface BenchTarget {
  readonly label: string;
  readonly api: TargetName;
  readonly addr: string;
  readonly pid: number;
}

/** What to run against every target. */
export interface Rounds {
  readonly ops: readonly ('get' | 'set')[];
  readonly shapes: readonly (readonly [number, number])[];
  readonly reps: number;
  readonly durationS: number;
  readonly warmupS: number;
  /** Prefix of each result's label, e.g. "bench:api". */
  readonly bench: string;
  /**
   * Also run every shape open loop at this fraction of the slowest target's closed-loop ops/s (medians), so
   * that every server does the same work per second. A server's CPU per op falls as its rate rises (more
   * requests share each wake-up, write and commit), so closed-loop figures also compare the load client's
   * cost per request against each API. Absent or 0: closed loop only.
   */
  readonly equalLoad?: number;
}

/** The command-line options every side-by-side bench takes (strings, as parseArgs gives them). */
export interface RoundArgs {
  readonly reps: string;
  readonly duration: string;
  readonly warmup: string;
  readonly ops: string;
  readonly shapes: string;
  readonly 'equal-load'?: string;
}

/** The rounds the options ask for: `--ops get,set --shapes 1/1,16/64 --reps N --duration S --warmup S`. */
export function roundsOf(args: RoundArgs, bench: string): Rounds {
  return {
    ops: args.ops.split(',') as ('get' | 'set')[],
    shapes: args.shapes.split(',').map((s) => s.split('/').map(Number) as [number, number]),
    reps: Number(args.reps),
    durationS: Number(args.duration),
    warmupS: Number(args.warmup),
    bench,
    equalLoad: Number(args['equal-load'] ?? 0),
  };
}

/** The results of one target, op and shape. */
export interface Row {
  readonly target: string;
  readonly op: string;
  readonly shape: string;
  readonly results: LoadResult[];
}

/** Runs the rounds, printing each result as a JSON line on stdout and progress through `progress`. */
export async function runRounds(
  targets: readonly BenchTarget[],
  rounds: Rounds,
  progress: (line: string) => void,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const op of rounds.ops) {
    for (const [conns, inflight] of rounds.shapes) {
      const closed = await runShape(targets, rounds, progress, { op, conns, inflight, rate: 0 });
      rows.push(...closed);
      if (!rounds.equalLoad) continue;
      const slowest = Math.min(...closed.map((row) => median(row.results.map((r) => r.ops_per_s ?? 0))));
      const rate = Math.max(1, Math.round(slowest * rounds.equalLoad));
      rows.push(...(await runShape(targets, rounds, progress, { op, conns, inflight, rate })));
    }
  }
  return rows;
}

/** One op and shape, closed loop (`rate` 0) or open loop at `rate` ops/s: every target once per round. */
async function runShape(
  targets: readonly BenchTarget[],
  rounds: Rounds,
  progress: (line: string) => void,
  run: { op: 'get' | 'set'; conns: number; inflight: number; rate: number },
): Promise<Row[]> {
  const { op, conns, inflight, rate } = run;
  const shape = rate > 0 ? `${conns}/${inflight} at ${rate}/s` : `${conns}/${inflight}`;
  const byTarget: Row[] = targets.map((t) => ({ target: t.label, op, shape, results: [] }));
  for (let r = 0; r < rounds.reps; r++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (k + r) % targets.length;
      const t = targets[i]!;
      progress(`${t.label} ${op} ${shape} round ${r + 1}/${rounds.reps}`);
      const result = await runLoad(
        loadOptions(op, {
          target: t.api,
          addr: t.addr,
          serverPids: [t.pid],
          conns,
          inflight,
          rate,
          workers: Math.min(2, conns),
          durationS: rounds.durationS,
          warmupS: rounds.warmupS,
          valueBytes: 100,
          keys: 10_000,
          label: `${rounds.bench} ${t.label} ${op} ${shape}`,
        }),
        () => {},
      );
      process.stdout.write(`${JSON.stringify(result)}\n`);
      byTarget[i]!.results.push(result);
    }
  }
  return byTarget;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * The medians of each row as a markdown table. The last column sets each round's server CPU per op against
 * the first target's in the same round (the median of those ratios): rounds minutes apart on a shared VM
 * move together by +-20 %, which a ratio of medians would carry into the comparison.
 */
export function medianTable(rows: readonly Row[]): string {
  const ms = (us: number) => (us / 1000).toFixed(us < 1000 ? 2 : 1);
  const cpu = (r: LoadResult) => r.cpu.server_cpu_us_per_op ?? 0;
  const lines = [
    '| target | op | conns/inflight | ops/s | p50 ms | p99 ms | server CPU µs/op | client CPU µs/op | foreign cores | server CPU vs first, same round |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const rs = row.results;
    const first = rows.find((r) => r.op === row.op && r.shape === row.shape)!;
    const ratios = rs.flatMap((r, i) => {
      const base = first.results[i];
      return base && cpu(base) > 0 ? [cpu(r) / cpu(base)] : [];
    });
    lines.push(
      `| ${row.target} | ${row.op} | ${row.shape} | ${Math.round(median(rs.map((r) => r.ops_per_s ?? 0)))} | ` +
        `${ms(median(rs.map((r) => r.latency_us?.p50 ?? 0)))} | ${ms(median(rs.map((r) => r.latency_us?.p99 ?? 0)))} | ` +
        `${Math.round(median(rs.map(cpu)))} | ${Math.round(median(rs.map((r) => r.cpu.client_cpu_us_per_op ?? 0)))} | ` +
        `${median(rs.map((r) => r.cpu.foreign_cores ?? 0)).toFixed(2)} | ` +
        `${first === row ? '1' : `${median(ratios).toFixed(2)}x (${ratios.map((x) => x.toFixed(2)).join(', ')})`} |`,
    );
  }
  return lines.join('\n');
}
