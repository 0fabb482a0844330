import { workerAddresses } from './addresses.js';
import { processRssMiB } from './cpu.js';
import { LatencyHistogram } from './histogram.js';
import type { LoadOptions } from './options.js';
import { Peer } from './peer.js';
import type { IntervalReport, KvResult } from './protocol.js';
import type { IntervalFigures, LoadLog, LoadResult } from './result.js';
import { type Base, cpuOverWindow, perOp, plan, r1, spread, worstLoopDelay } from './run-window.js';

const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;

/** The key-value scenarios (mixed, get, set, soak): closed or open loop over worker threads. */
export async function runKv(
  options: LoadOptions,
  addr: string,
  pids: readonly number[],
  base: Base,
  log: LoadLog,
): Promise<LoadResult> {
  const P = Math.min(options.workers, options.conns);
  const connsPer = spread(options.conns, P);
  // Connection j lives in worker j % P as its local connection j / P; in-flight slot s uses connection s % C.
  const slots = Array.from({ length: P }, () => [] as number[]);
  for (let s = 0; s < options.inflight; s++) {
    const j = s % options.conns;
    slots[j % P]!.push(Math.floor(j / P));
  }
  const peers = slots.map(
    (slotConns, w) =>
      new Peer({
        role: 'kv',
        options,
        addr: workerAddresses(addr, P, w, connsPer[w]!),
        nConns: connsPer[w]!,
        slotConns,
        rate: (options.rate * slotConns.length) / options.inflight,
      }),
  );
  // Live progress (soak): an interval is printed once every worker moved past it. A request still in flight
  // then is missing from the line, not from the result, whose intervals come from the final tallies.
  const intervals = new Map<number, IntervalReport[]>();
  for (const peer of peers) {
    peer.onMessage((m) => {
      if (m.type !== 'interval') return;
      const list = intervals.get(m.report.index) ?? [];
      list.push(m.report);
      intervals.set(m.report.index, list);
      if (list.length === peers.length) {
        const figures = intervalFigures(m.report.index, list, options.reportEveryS);
        const rss = pids[0] === undefined ? '' : `, server RSS ${processRssMiB(pids[0])} MiB`;
        log(
          `  ${figures.t_s}s: ${figures.ops_per_s} ops/s, p50 ${ms(figures.p50_us)} p99 ${ms(figures.p99_us)}, errors ${figures.errors}${rss}`,
        );
      }
    });
  }
  try {
    await Promise.all(peers.map((p) => p.next('ready')));
    const doPreload = options.preload === 'yes' || (options.preload === 'auto' && options.op !== 'set');
    let preload: LoadResult['preload'] = null;
    if (doPreload) {
      const t = performance.now();
      peers.forEach((p, w) => {
        p.send({ type: 'preload', stride: P, offset: w });
      });
      const done = await Promise.all(peers.map((p) => p.next('preloaded')));
      const failed = done.find((d) => d.errors > 0);
      if (failed) throw new Error(`preload failed: ${failed.firstError}`);
      preload = {
        written: done.reduce((a, d) => a + d.written, 0),
        seconds: r1((performance.now() - t) / 1000),
      };
      log(`preloaded ${preload.written} keys in ${preload.seconds} s`);
    }
    const rssStart = pids[0] === undefined ? null : processRssMiB(pids[0]);
    const window = plan(options.warmupS, options.durationS, options.drainS);
    const cpu = cpuOverWindow(window, pids);
    for (const p of peers) p.send({ type: 'run', ...window });
    const results: KvResult[] = (await Promise.all(peers.map((p) => p.next('kv-result')))).map(
      (m) => m.result,
    );
    const cpuUse = await cpu;
    const ops = results.reduce((a, r) => a + r.ops, 0);
    const errors = results.reduce((a, r) => a + r.errors, 0);
    const errorKinds: Record<string, number> = {};
    for (const r of results)
      for (const [k, v] of Object.entries(r.errorKinds)) errorKinds[k] = (errorKinds[k] ?? 0) + v;
    const open = options.rate > 0;
    const latency = LatencyHistogram.merge(results.map((r) => r.hist)).summary();
    return {
      ...base,
      op: options.op,
      mode: open ? 'open' : 'closed',
      conns: options.conns,
      inflight: options.inflight,
      workers: P,
      duration_s: options.durationS,
      warmup_s: options.warmupS,
      value_bytes: options.valueBytes,
      keys: options.keys,
      ...(options.op === 'mixed' ? { read_ratio: options.readRatio } : {}),
      ...(open ? { rate_target: options.rate } : {}),
      ops,
      ops_per_s: Math.round(ops / options.durationS),
      errors,
      ...(errors > 0
        ? { error_kinds: errorKinds, first_error: results.find((r) => r.firstError)?.firstError ?? '' }
        : {}),
      ...(options.op !== 'set' ? { get_misses: results.reduce((a, r) => a + r.misses, 0) } : {}),
      unfinished: results.reduce((a, r) => a + r.unfinished, 0),
      ...(open
        ? {
            due_in_window: results.reduce((a, r) => a + r.dueInWindow, 0),
            not_sent: results.reduce((a, r) => a + r.notSent, 0),
            service_us: LatencyHistogram.merge(results.map((r) => r.service)).summary(),
            send_lag_us: LatencyHistogram.merge(results.map((r) => r.sendLag)).summary(),
          }
        : {}),
      latency_us: latency,
      by_op: {
        get: LatencyHistogram.merge(results.map((r) => r.byOp.get)).summary(),
        set: LatencyHistogram.merge(results.map((r) => r.byOp.set)).summary(),
      },
      preload,
      ...(options.reportEveryS > 0 ? { intervals: finalIntervals(results, options.reportEveryS) } : {}),
      client_loop_delay_us: worstLoopDelay(results.map((r) => r.loopDelay)),
      cpu: perOp(cpuUse, ops),
      ...(pids[0] === undefined ? {} : { server_rss_mib: { start: rssStart, end: processRssMiB(pids[0]) } }),
      ...(options.p95ThresholdMs > 0
        ? {
            thresholds: {
              p95_ms: options.p95ThresholdMs,
              ok: latency !== null && errors === 0 && latency.p95 < options.p95ThresholdMs * 1000,
            },
          }
        : {}),
    };
  } finally {
    await Promise.all(peers.map((p) => p.close()));
  }
}

function intervalFigures(index: number, reports: readonly IntervalReport[], everyS: number): IntervalFigures {
  const hist = LatencyHistogram.merge(reports.map((r) => r.hist));
  return {
    t_s: (index + 1) * everyS,
    ops_per_s: Math.round(reports.reduce((a, r) => a + r.ops, 0) / everyS),
    errors: reports.reduce((a, r) => a + r.errors, 0),
    p50_us: hist.percentile(50),
    p99_us: hist.percentile(99),
  };
}

/** Every interval of the window from the workers' final tallies. */
function finalIntervals(results: readonly KvResult[], everyS: number): IntervalFigures[] {
  const byIndex = new Map<number, IntervalReport[]>();
  for (const r of results)
    for (const i of r.intervals) byIndex.set(i.index, [...(byIndex.get(i.index) ?? []), i]);
  return [...byIndex.keys()]
    .sort((a, b) => a - b)
    .map((index) => intervalFigures(index, byIndex.get(index)!, everyS));
}
