import { addressOf, workerAddresses } from './addresses.js';
import { LatencyHistogram } from './histogram.js';
import type { LoadOptions } from './options.js';
import { Peer } from './peer.js';
import type { WatchResult } from './protocol.js';
import type { LoadLog, LoadResult } from './result.js';
import { type Base, cpuOverWindow, perOp, plan, r1, spread, worstLoopDelay } from './run-window.js';

/** The watch scenario: watcher threads, one writer thread, delivery and delay of every event. */
export async function runWatch(
  options: LoadOptions,
  addr: string,
  pids: readonly number[],
  base: Base,
  log: LoadLog,
): Promise<LoadResult> {
  const W = options.watchers;
  const C = Math.min(options.conns, W);
  const P = Math.min(options.workers, C);
  // Watcher i rides connection i % C; connection j lives in worker j % P as its local connection j / P.
  const perConn = spread(W, C);
  const watchersPerConn = Array.from({ length: P }, () => [] as number[]);
  perConn.forEach((n, j) => {
    watchersPerConn[j % P]![Math.floor(j / P)] = n;
  });
  const watchPeers = watchersPerConn.map((list, w) => {
    const nConns = spread(C, P)[w]!;
    return new Peer({
      role: 'watch',
      options,
      addr: workerAddresses(addr, P, w, nConns),
      nConns,
      watchersPerConn: list,
    });
  });
  const writer = new Peer({ role: 'writer', options, addr: addressOf(addr, 0), nConns: 1 });
  const all = [...watchPeers, writer];
  try {
    const t = performance.now();
    await Promise.all(all.map((p) => p.next('ready')));
    // Every watcher must see a sync write before the window opens, or its events would count as lost.
    const watching = Promise.all(watchPeers.map((p) => p.next('watching')));
    const resync = setInterval(() => writer.send({ type: 'sync' }), 1000);
    writer.send({ type: 'sync' });
    try {
      await Promise.race([
        watching,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('watchers did not see the sync write within 15 s')), 15_000),
        ),
      ]);
    } finally {
      clearInterval(resync);
    }
    log(
      `${W} watchers on ${C} connections in ${P} workers live after ${r1((performance.now() - t) / 1000)} s`,
    );
    const window = plan(options.warmupS, options.durationS, options.drainS);
    const cpu = cpuOverWindow(window, pids);
    for (const p of all) p.send({ type: 'run', ...window });
    const writes = (await writer.next('writer-result')).result;
    const results: WatchResult[] = (await Promise.all(watchPeers.map((p) => p.next('watch-result')))).map(
      (m) => m.result,
    );
    const cpuUse = await cpu;
    const events = results.reduce((a, r) => a + r.events, 0);
    const expected = writes.writes * W;
    const watchErrors = results.reduce((a, r) => a + r.errors, 0);
    const firstError = writes.firstError ?? results.find((r) => r.firstError)?.firstError;
    return {
      ...base,
      conns: C,
      workers: P + 1,
      duration_s: options.durationS,
      warmup_s: options.warmupS,
      value_bytes: options.valueBytes,
      keys: options.keys,
      watchers: W,
      watch_rate_target: options.watchRate,
      writes: writes.writes,
      write_latency_us: LatencyHistogram.merge([writes.hist]).summary(),
      events,
      events_per_s: Math.round(events / options.durationS),
      expected_events: expected,
      delivery_ratio: expected > 0 ? Math.round((events / expected) * 10_000) / 10_000 : null,
      errors: writes.errors + watchErrors,
      ...(firstError ? { first_error: firstError } : {}),
      latency_us: LatencyHistogram.merge(results.map((r) => r.hist)).summary(),
      client_loop_delay_us: worstLoopDelay(results.map((r) => r.loopDelay)),
      cpu: perOp(cpuUse, events),
    };
  } finally {
    await Promise.all(all.map((p) => p.close()));
  }
}
