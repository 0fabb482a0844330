// The cluster bench's markdown tables: medians of the load runs, and every leader kill summed up.
import type { LoadResult } from '../../load/result.js';
import type { StallResult } from './stall.js';

/** The load runs of one target and operation. */
export interface LoadRow {
  readonly target: string;
  readonly op: string;
  readonly processes: number;
  readonly results: LoadResult[];
}

/** Median (the upper one of an even count, as bench/api.ts). */
export const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (us: number) => (us / 1000).toFixed(us < 1000 ? 2 : 1);

/** Throughput, latency and CPU per operation: medians over the runs. */
export function loadTable(rows: readonly LoadRow[]): string {
  const lines = [
    '| target | op | conns/inflight | runs | ops/s (median) | ops/s range | p50 ms | p99 ms | server CPU µs/op (all processes) | server processes | client CPU µs/op | errors | foreign cores |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const rs = row.results;
    const m = (f: (r: LoadResult) => number) => median(rs.map(f));
    const opsRange = `${Math.min(...rs.map((r) => r.ops_per_s ?? 0))}–${Math.max(...rs.map((r) => r.ops_per_s ?? 0))}`;
    lines.push(
      `| ${row.target} | ${row.op} | ${rs[0]?.conns}/${rs[0]?.inflight} | ${rs.length} | ${m((r) => r.ops_per_s ?? 0)} | ${opsRange} | ` +
        `${ms(m((r) => r.latency_us?.p50 ?? 0))} | ${ms(m((r) => r.latency_us?.p99 ?? 0))} | ` +
        `${m((r) => r.cpu.server_cpu_us_per_op ?? 0)} | ${row.processes} | ${m((r) => r.cpu.client_cpu_us_per_op ?? 0)} | ` +
        `${rs.reduce((a, r) => a + r.errors, 0)} | ${m((r) => r.cpu.foreign_cores ?? 0).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

/** Acknowledged writes lost over the kills, saying how many kills could not be checked (and crashes). */
function lostCell(ss: readonly StallResult[]): string {
  const lost = ss.reduce((a, s) => a + (s.lost ?? 0), 0);
  const unchecked = ss.filter((s) => s.lost === null).length;
  const crashed = ss.filter((s) => s.crashed.length > 0).length;
  return `${lost}${unchecked ? ` (${unchecked} kills not checked)` : ''}${crashed ? ` (servers crashed in ${crashed} kills)` : ''}`;
}

/** Leader kills per target: the stall (median and range), recovery, and acknowledged writes lost. */
export function stallTable(stalls: readonly StallResult[]): string {
  const lines = [
    '| target | leader killed | kills | write stall ms (median) | stall range ms | recovered ms (median) | gap before kill ms (max) | acked writes | lost | unreadable |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const target of [...new Set(stalls.map((s) => s.target))]) {
    const ss = stalls.filter((s) => s.target === target);
    const stall = ss.map((s) => s.stall_ms);
    const recovered = ss.flatMap((s) => (s.recovered_ms === null ? [] : [s.recovered_ms]));
    const notBack = ss.length - recovered.length;
    lines.push(
      `| ${target} | ${[...new Set(ss.map((s) => s.killed.replace(/^(etcd) m\d$/, '$1 leader').replace(/ n\d /, ' ')))].join(', ')} | ` +
        `${ss.length} | ${median(stall)} | ${Math.min(...stall)}–${Math.max(...stall)} | ` +
        `${recovered.length ? median(recovered) : '–'}${notBack ? ` (${notBack} not back)` : ''} | ` +
        `${Math.max(...ss.map((s) => s.before_max_gap_ms))} | ${ss.reduce((a, s) => a + s.acked, 0)} | ` +
        `${lostCell(ss)} | ${ss.reduce((a, s) => a + s.read_errors, 0)} |`,
    );
  }
  return lines.join('\n');
}
