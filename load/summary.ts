import type { LatencySummary } from './histogram.js';
import type { LoadResult } from './run.js';

const msOf = (us: number | undefined) => (us === undefined ? '-' : `${(us / 1000).toFixed(2)} ms`);

function latencyLine(label: string, l: LatencySummary | null | undefined): string {
  if (!l) return `  ${label.padEnd(12)} (none)`;
  return `  ${label.padEnd(12)} p50 ${msOf(l.p50)}   p95 ${msOf(l.p95)}   p99 ${msOf(l.p99)}   max ${msOf(l.max)}   (${l.count} samples)`;
}

/**
 * The human summary of a run: throughput, latency p50/p95/p99, errors, CPU. The k6 scripts in load/k6 print
 * the same lines from their handleSummary, so a figure means the same whichever tool produced it.
 */
export function formatSummary(r: LoadResult): string {
  const lines: string[] = [];
  const where = `${r.target} at ${r.addr}${r.server_started ? ' (started for this run)' : ''}`;
  if (r.scenario === 'watch') {
    lines.push(
      `kvstore-load watch: ${where}; ${r.watchers} watchers over ${r.conns} connections, ${r.watch_rate_target} writes/s, ${r.duration_s} s after ${r.warmup_s} s warm-up`,
      `  throughput   ${r.events_per_s} events/s delivered (${r.events} of ${r.expected_events} expected, delivery ${r.delivery_ratio})`,
      latencyLine('delay', r.latency_us),
      latencyLine('write', r.write_latency_us),
    );
  } else {
    const load =
      r.mode === 'open'
        ? `open loop at ${r.rate_target} ops/s (cap ${r.inflight} in flight)`
        : `closed loop, ${r.inflight} in flight`;
    const mix = r.op === 'mixed' ? ` (${Math.round((r.read_ratio ?? 0) * 100)} % gets)` : '';
    lines.push(
      `kvstore-load ${r.scenario}: ${where}; ${r.op}${mix}, ${load} over ${r.conns} connections, ${r.duration_s} s after ${r.warmup_s} s warm-up`,
      `  throughput   ${r.ops_per_s} ops/s (${r.ops} ops)`,
      latencyLine('latency', r.latency_us),
    );
    if (r.op === 'mixed') lines.push(latencyLine('get', r.by_op?.get), latencyLine('set', r.by_op?.set));
    if (r.mode === 'open') {
      lines.push(
        latencyLine('service', r.service_us),
        `  not sent     ${r.not_sent} of ${r.due_in_window} due`,
      );
    }
  }
  const total = r.scenario === 'watch' ? (r.expected_events ?? 0) : (r.ops ?? 0) + r.errors;
  const pct = total > 0 ? ((r.errors / total) * 100).toFixed(2) : '0.00';
  lines.push(`  errors       ${r.errors} (${pct} %)${r.first_error ? `; first: ${r.first_error}` : ''}`);
  const c = r.cpu;
  const unit = r.scenario === 'watch' ? 'event' : 'op';
  const server =
    c.server_cores === undefined
      ? 'server not measured (--server-pid)'
      : `server ${c.server_cores} cores (${c.server_cpu_us_per_op ?? '-'} us/${unit})`;
  lines.push(
    `  cpu          client ${c.client_cores} cores (${c.client_cpu_us_per_op ?? '-'} us/${unit}), ${server}, machine ${c.machine_busy_pct} % busy`,
  );
  if (r.client_loop_delay_us) {
    lines.push(
      `  client loop  p99 ${msOf(r.client_loop_delay_us.p99)} max ${msOf(r.client_loop_delay_us.max)} (worker event-loop lateness)`,
    );
  }
  if (r.server_rss_mib)
    lines.push(`  server RSS   ${r.server_rss_mib.start} MiB -> ${r.server_rss_mib.end} MiB`);
  if (r.thresholds)
    lines.push(
      `  threshold    p95 < ${r.thresholds.p95_ms} ms and no errors: ${r.thresholds.ok ? 'ok' : 'FAILED'}`,
    );
  return lines.join('\n');
}
