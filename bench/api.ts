/**
 * npm run bench (bench:api): Get and durable Set over gRPC at (1 conn, 1 in flight), (4, 16) and (16, 64),
 * kvstore next to etcd driven by the same client (load/) on the same machine. Prints one JSON line per run
 * and a markdown table (medians of --reps runs) on stderr.
 *
 *   npm run bench                      # 10 s windows after 2 s warm-up, 1 repetition
 *   npm run bench -- --reps 3 --duration 10 --no-etcd --ops get
 *   npm run bench:api -- --grpc-js      # also a kvstore with grpc.fastUnary off (docs/adr/0008)
 *
 * Repetitions are interleaved: each round runs every target once, in an order rotated from round to round.
 * Compare gRPC servers by server CPU per operation and latency: on 2 cores the Node client costs more CPU
 * per request than either server, so closed-loop ops/s is the ceiling of client plus server.
 */
import { parseArgs } from 'node:util';
import { startLocalServer } from '../load/local-server.js';
import { loadOptions } from '../load/options.js';
import type { LoadResult } from '../load/result.js';
import { runLoad } from '../load/run.js';
import { etcdAvailable, startEtcd } from './etcd.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    ops: { type: 'string', default: 'get,set' },
    shapes: { type: 'string', default: '1/1,4/16,16/64' },
    'no-etcd': { type: 'boolean', default: false },
    'grpc-js': { type: 'boolean', default: false },
  },
});
const reps = Number(values.reps);
const shapes = values.shapes.split(',').map((s) => s.split('/').map(Number) as [number, number]);
const ops = values.ops.split(',') as ('get' | 'set')[];
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Row {
  target: string;
  op: string;
  shape: string;
  results: LoadResult[];
}

const rows: Row[] = [];
const targets: { name: string; addr: string; pid: number; stop(): Promise<void> }[] = [];
const kv = await startLocalServer();
targets.push({ name: 'kvstore', addr: kv.addr, pid: kv.pid, stop: () => kv.stop() });
if (values['grpc-js']) {
  const slow = await startLocalServer({ extraArgs: ['--grpc-fast-unary', 'false'] });
  targets.push({ name: 'kvstore (grpc-js)', addr: slow.addr, pid: slow.pid, stop: () => slow.stop() });
}
if (!values['no-etcd']) {
  if (etcdAvailable()) {
    const etcd = await startEtcd();
    progress(`etcd ${etcd.version} on ${etcd.addr}`);
    targets.push({ name: 'etcd', addr: etcd.addr, pid: etcd.pid, stop: () => etcd.stop() });
  } else {
    progress('etcd is not installed (apt-get install etcd-server): kvstore figures only');
  }
}
try {
  for (const op of ops) {
    for (const [conns, inflight] of shapes) {
      const byTarget = targets.map((t) => ({
        target: t.name,
        op,
        shape: `${conns}/${inflight}`,
        results: [] as LoadResult[],
      }));
      for (let r = 0; r < reps; r++) {
        for (let k = 0; k < targets.length; k++) {
          const i = (k + r) % targets.length;
          const t = targets[i]!;
          progress(`${t.name} ${op} ${conns}/${inflight} run ${r + 1}/${reps}`);
          const result = await runLoad(
            loadOptions(op, {
              target: t.name === 'etcd' ? 'etcd' : 'kvstore',
              addr: t.addr,
              serverPids: [t.pid],
              conns,
              inflight,
              workers: Math.min(2, conns),
              durationS: Number(values.duration),
              warmupS: Number(values.warmup),
              valueBytes: 100,
              keys: 10_000,
              label: `bench:api ${t.name} ${op} ${conns}/${inflight}`,
            }),
            () => {},
          );
          process.stdout.write(`${JSON.stringify(result)}\n`);
          byTarget[i]!.results.push(result);
        }
      }
      rows.push(...byTarget);
    }
  }
} finally {
  for (const t of targets) await t.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (us: number) => (us / 1000).toFixed(us < 1000 ? 2 : 1);
const lines = [
  '| target | op | conns/inflight | ops/s | p50 ms | p99 ms | server CPU µs/op | client CPU µs/op | foreign cores |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const row of rows) {
  const rs = row.results;
  lines.push(
    `| ${row.target} | ${row.op} | ${row.shape} | ${Math.round(median(rs.map((r) => r.ops_per_s ?? 0)))} | ` +
      `${ms(median(rs.map((r) => r.latency_us?.p50 ?? 0)))} | ${ms(median(rs.map((r) => r.latency_us?.p99 ?? 0)))} | ` +
      `${Math.round(median(rs.map((r) => r.cpu.server_cpu_us_per_op ?? 0)))} | ${Math.round(median(rs.map((r) => r.cpu.client_cpu_us_per_op ?? 0)))} | ` +
      `${median(rs.map((r) => r.cpu.foreign_cores ?? 0)).toFixed(2)} |`,
  );
}
process.stderr.write(`\n${lines.join('\n')}\n`);
