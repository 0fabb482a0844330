/**
 * npm run bench (bench:api): Get and durable Set over gRPC at (1 conn, 1 in flight), (4, 16) and (16, 64),
 * kvstore next to etcd driven by the same client (load/) on the same machine. Prints one JSON line per run
 * and a markdown table (medians of --reps runs) on stderr.
 *
 *   npm run bench                      # 10 s windows after 2 s warm-up, 1 repetition
 *   npm run bench -- --reps 3 --duration 10 --no-etcd --ops get
 *   npm run bench:api -- --equal-load 0.8  # then open loop, all at 80 % of the slowest's ops/s
 *   npm run bench:api -- --grpc-js      # also a kvstore with grpc.fastUnary off (docs/adr/0008)
 *   npm run bench:api -- --relaxed      # also a kvstore without fsync (--data-durability relaxed): what a
 *                                       # durable Set pays for its flush, beside etcd's durable Put
 *   npm run bench:api -- --baseline DIR # first a kvstore built in DIR (e.g. a worktree of the commit
 *                                       # before a change, `npx tsc -p tsconfig.json` run there): A/B
 *   npm run bench:api -- --no-anchor    # without the do-nothing grpc-js server (bench/anchor-server.ts),
 *                                       # the transport's floor, which is in every round otherwise
 *
 * Repetitions are interleaved: each round runs every target once, in an order rotated from round to round.
 * Compare gRPC servers by server CPU per operation and latency: on 2 cores the Node client costs more CPU
 * per request than either server, so closed-loop ops/s is the ceiling of client plus server.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalServer } from '../load/local-server.js';
import { startAnchorServer } from './anchor.js';
import { etcdAvailable, startEtcd } from './etcd.js';
import { type BenchTarget, medianTable, type Row, roundsOf, runRounds } from './side-by-side.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    ops: { type: 'string', default: 'get,set' },
    shapes: { type: 'string', default: '1/1,4/16,16/64' },
    'no-etcd': { type: 'boolean', default: false },
    'equal-load': { type: 'string' },
    'grpc-js': { type: 'boolean', default: false },
    relaxed: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    'no-anchor': { type: 'boolean', default: false },
  },
});
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

let rows: Row[] = [];
const targets: (BenchTarget & { stop(): Promise<void> })[] = [];
try {
  // Every server started so far is stopped in `finally`, whichever start or round fails.
  if (values.baseline) {
    // First, so the table's last column reads as this build against the baseline, round by round.
    const base = await startLocalServer({ bin: join(resolve(values.baseline), 'bin', 'kvstore') });
    targets.push({
      label: 'kvstore (baseline)',
      api: 'kvstore',
      addr: base.addr,
      pid: base.pid,
      stop: () => base.stop(),
    });
  }
  const kv = await startLocalServer();
  targets.push({ label: 'kvstore', api: 'kvstore', addr: kv.addr, pid: kv.pid, stop: () => kv.stop() });
  if (values['grpc-js']) {
    const slow = await startLocalServer({ extraArgs: ['--grpc-fast-unary', 'false'] });
    targets.push({
      label: 'kvstore (grpc-js)',
      api: 'kvstore',
      addr: slow.addr,
      pid: slow.pid,
      stop: () => slow.stop(),
    });
  }
  if (values.relaxed) {
    const relaxed = await startLocalServer({ durability: 'relaxed' });
    targets.push({
      label: 'kvstore (no fsync)',
      api: 'kvstore',
      addr: relaxed.addr,
      pid: relaxed.pid,
      stop: () => relaxed.stop(),
    });
  }
  if (!values['no-etcd']) {
    if (etcdAvailable()) {
      const etcd = await startEtcd();
      progress(`etcd ${etcd.version} on ${etcd.addr}`);
      targets.push({ label: 'etcd', api: 'etcd', addr: etcd.addr, pid: etcd.pid, stop: () => etcd.stop() });
    } else {
      progress('etcd is not installed (apt-get install etcd-server): kvstore figures only');
    }
  }
  if (!values['no-anchor']) {
    const anchor = await startAnchorServer();
    targets.push({
      label: 'grpc-js, doing nothing',
      api: 'kvstore',
      addr: anchor.addr,
      pid: anchor.pid,
      stop: () => anchor.stop(),
    });
  }
  rows = await runRounds(targets, roundsOf(values, 'bench:api'), progress);
} finally {
  for (const t of targets) await t.stop();
}

process.stderr.write(`\n${medianTable(rows)}\n`);
