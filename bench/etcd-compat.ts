/**
 * npm run bench:etcd: kvstore's etcd v3 API (docs/etcd.md) next to kvstore's own API and a real etcd, all
 * driven by the same client (load/): `--target etcd` pointed at kvstore is "etcd-compat". Get and durable
 * Set (etcd Range / Put) at (1 conn, 1 in flight) and (16, 64), as issue 14 asks. Prints one JSON line per
 * run and a markdown table (medians of --reps runs) on stderr.
 *
 *   npm run bench:etcd                         # 10 s windows after 2 s warm-up, 1 repetition
 *   npm run bench:etcd -- --reps 3 --duration 5 --no-etcd
 *
 * The target of issue 14: server CPU per op through the etcd API at most the native API's + 10 %, and at
 * most etcd's.
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
    shapes: { type: 'string', default: '1/1,16/64' },
    'no-etcd': { type: 'boolean', default: false },
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
const targets: {
  label: string;
  name: 'kvstore' | 'etcd';
  addr: string;
  pid: number;
  stop(): Promise<void>;
}[] = [];
const kv = await startLocalServer();
targets.push({ label: 'kvstore', name: 'kvstore', addr: kv.addr, pid: kv.pid, stop: () => kv.stop() });
// The same server through its etcd API: the etcd load target at kvstore's gRPC port.
targets.push({ label: 'etcd-compat', name: 'etcd', addr: kv.addr, pid: kv.pid, stop: async () => {} });
if (!values['no-etcd']) {
  if (etcdAvailable()) {
    const etcd = await startEtcd();
    progress(`etcd ${etcd.version} on ${etcd.addr}`);
    targets.push({ label: 'etcd', name: 'etcd', addr: etcd.addr, pid: etcd.pid, stop: () => etcd.stop() });
  } else {
    progress('etcd is not installed (apt-get install etcd-server): kvstore figures only');
  }
}
try {
  for (const op of ops) {
    for (const [conns, inflight] of shapes) {
      for (const t of targets) {
        const row: Row = { target: t.label, op, shape: `${conns}/${inflight}`, results: [] };
        for (let r = 0; r < reps; r++) {
          progress(`${t.label} ${op} ${conns}/${inflight} run ${r + 1}/${reps}`);
          const result = await runLoad(
            loadOptions(op, {
              target: t.name,
              addr: t.addr,
              serverPids: [t.pid],
              conns,
              inflight,
              workers: Math.min(2, conns),
              durationS: Number(values.duration),
              warmupS: Number(values.warmup),
              valueBytes: 100,
              keys: 10_000,
              label: `bench:etcd ${t.label} ${op} ${conns}/${inflight}`,
            }),
            () => {},
          );
          process.stdout.write(`${JSON.stringify(result)}\n`);
          row.results.push(result);
        }
        rows.push(row);
      }
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
