/**
 * npm run bench:cluster (issue 11): 3 kvstore nodes on an R3 NATS JetStream stream next to a 3-member etcd
 * 3.4 cluster, on loopback, driven by the same client (load/, connections round-robin over the 3 endpoints):
 * durable set and get ops/s, p50/p99, server CPU per operation (every server process summed: 3 kvstore
 * nodes + 3 nats-servers; 3 etcd members), and the write stall when the leader (the NATS stream leader; the
 * etcd leader) is SIGKILLed under a writer loop, with every acknowledged write read back afterwards.
 *
 *   npm run bench:cluster                                   # both, 10 s windows, 3 leader kills each
 *   npm run bench:cluster -- --target etcd --reps 3 --out /tmp/cluster.jsonl
 *
 * One JSON line per load run and per kill on stdout (and --out); markdown tables on stderr at the end.
 */
import { appendFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { machineBusyPct } from '../load/cpu.js';
import { loadOptions } from '../load/options.js';
import { runLoad } from '../load/run.js';
import type { BenchCluster } from './cluster/bench-cluster.js';
import { etcdInstalled, startEtcdCluster } from './cluster/etcd-cluster.js';
import { startJetStreamBaseline } from './cluster/jetstream-baseline.js';
import { kvstoreClusterMissing, startKvstoreCluster } from './cluster/kvstore-cluster.js';
import { postgresClusterMissing, startPostgresCluster } from './cluster/postgres-cluster.js';
import { type LoadRow, loadTable, stallTable } from './cluster/report.js';
import { measureStall, type StallResult } from './cluster/stall.js';

const USAGE = `usage: npm run bench:cluster -- [options]
  --target kvstore|etcd|nats|postgres|both  which cluster(s) (both = kvstore and etcd); nats = only the
                               baseline below; postgres = 3 kvstore nodes on one PostgreSQL log table
  --no-nats-baseline           with kvstore: skip NATS's own stall (the same writer loop publishing to an
                               R3 stream on a fresh NATS cluster, its stream leader killed)
  --duration S / --warmup S    measured window / warm-up of each load run (10 / 2)
  --conns C / --inflight N     load client connections (round-robin over the 3 endpoints) / in flight (16 / 64)
  --workers W                  load client threads (2)
  --ops set,get                load runs (set,get); gets run after a preload of every key
  --keys K / --value-bytes B   key space / value size (10000 / 100)
  --kills N                    leader kills per repetition for the stall figure (3); 0 = none
  --stall-writers N            writers during a kill (16), over --stall-conns connections (6)
  --write-timeout MS           during a kill, a write unanswered this long is sent again (same key) on the
                               next endpoint (500); the stall cannot be shorter than the client's retry: at
                               2000 ms etcd's measured 2.0 s (writes forwarded to the dead leader hang), at
                               500 ms 1.1 s, its election
  --reps R                     repetitions, each on a fresh cluster (1); tables show medians
  --quiet-wait S               before each load run, wait up to S s for the machine to be < 10 % busy (60)
  --out FILE                   also append the JSON lines to FILE`;

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'both' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    conns: { type: 'string', default: '16' },
    inflight: { type: 'string', default: '64' },
    workers: { type: 'string', default: '2' },
    ops: { type: 'string', default: 'set,get' },
    keys: { type: 'string', default: '10000' },
    'value-bytes': { type: 'string', default: '100' },
    kills: { type: 'string', default: '3' },
    'stall-writers': { type: 'string', default: '16' },
    'stall-conns': { type: 'string', default: '6' },
    'write-timeout': { type: 'string', default: '500' },
    reps: { type: 'string', default: '1' },
    'quiet-wait': { type: 'string', default: '60' },
    out: { type: 'string' },
    'no-nats-baseline': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!['kvstore', 'etcd', 'nats', 'postgres', 'both'].includes(values.target)) {
  process.stderr.write(
    `--target: "${values.target}" is not kvstore, etcd, nats, postgres or both\n\n${USAGE}\n`,
  );
  process.exit(2);
}
const num = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`--${name}: "${values[name]}" is not a number\n`);
    process.exit(2);
  }
  return n;
};
const progress = (line: string) => process.stderr.write(`[bench:cluster] ${line}\n`);
const emit = async (record: object) => {
  const line = JSON.stringify(record);
  process.stdout.write(`${line}\n`);
  if (values.out) await appendFile(values.out, `${line}\n`);
};

/** The clusters to measure, each with why it cannot run here (null when it can). */
const targets: { name: string; missing: string | null; start(): Promise<BenchCluster> }[] = [];
const want = (t: string) =>
  values.target === t || (values.target === 'both' && t !== 'nats' && t !== 'postgres');
if (want('kvstore'))
  targets.push({ name: 'kvstore', missing: kvstoreClusterMissing(), start: startKvstoreCluster });
if (values.target === 'nats' || (want('kvstore') && !values['no-nats-baseline']))
  targets.push({ name: 'nats', missing: null, start: startJetStreamBaseline });
if (want('postgres'))
  targets.push({
    name: 'kvstore-postgres',
    missing: kvstoreClusterMissing() ?? (await postgresClusterMissing()),
    start: startPostgresCluster,
  });
if (want('etcd'))
  targets.push({
    name: 'etcd',
    missing: etcdInstalled() ? null : 'etcd is not installed (apt-get install etcd-server)',
    start: startEtcdCluster,
  });

/** Waits up to --quiet-wait seconds for a quiet machine (other work skews every figure: see foreign_cores). */
async function quiet(): Promise<void> {
  const until = Date.now() + num('quiet-wait') * 1000;
  let busy = await machineBusyPct(1000);
  while (busy >= 10 && Date.now() < until) busy = await machineBusyPct(1000);
  if (busy >= 10) progress(`the machine is still ${busy} % busy: figures are from a shared machine`);
}

/** One repetition on a fresh cluster: the load runs, then the leader kills. */
async function repetition(cluster: BenchCluster, rep: number, rows: LoadRow[], stalls: StallResult[]) {
  const loadTarget = cluster.loadTarget;
  for (const op of loadTarget === null
    ? []
    : (values.ops.split(',').filter((o) => o !== '') as ('set' | 'get')[])) {
    await quiet();
    const pids = cluster.serverPids();
    progress(
      `${cluster.name} ${op} ${values.conns}/${values.inflight} run ${rep + 1} (${pids.length} server processes)`,
    );
    const result = await runLoad(
      loadOptions(op, {
        target: loadTarget!,
        addr: cluster.endpoints.join(','),
        serverPids: pids,
        conns: num('conns'),
        inflight: num('inflight'),
        workers: num('workers'),
        durationS: num('duration'),
        warmupS: num('warmup'),
        keys: num('keys'),
        valueBytes: num('value-bytes'),
        label: `bench:cluster ${cluster.name} ${op}`,
      }),
      progress,
    );
    const crashed = cluster.crashes();
    await emit({
      bench: 'cluster',
      cluster: cluster.describe(),
      server_processes: pids.length,
      ...result,
      ...(crashed.length > 0 ? { crashed } : {}),
    });
    // A server that died mid-run makes its CPU figure meaningless and the next run pointless.
    if (crashed.length > 0)
      throw new Error(`server processes crashed during the ${op} run:\n${crashed.join('\n')}`);
    let row = rows.find((r) => r.target === cluster.name && r.op === op);
    if (!row) {
      row = { target: cluster.name, op, processes: pids.length, results: [] };
      rows.push(row);
    }
    row.results.push(result);
  }
  for (let k = 0; k < num('kills'); k++) {
    const stall = await measureStall(
      cluster,
      rep * num('kills') + k + 1,
      {
        inflight: num('stall-writers'),
        conns: num('stall-conns'),
        timeoutMs: num('write-timeout'),
        valueBytes: num('value-bytes'),
        beforeS: 2,
        maxWaitS: 30,
      },
      progress,
    );
    progress(
      `${cluster.name}: stall ${stall.stall_ms} ms, back after ${stall.recovered_ms ?? '-'} ms, ${stall.acked} acked, ${stall.lost} lost`,
    );
    await emit(stall);
    stalls.push(stall);
    if (stall.crashed.length > 0)
      throw new Error(`server processes crashed after the leader kill:\n${stall.crashed.join('\n')}`);
    await cluster.heal();
  }
}

const rows: LoadRow[] = [];
const stalls: StallResult[] = [];
const skipped: string[] = [];
const failures: string[] = [];
for (const t of targets) {
  if (t.missing) {
    progress(`${t.name} skipped: ${t.missing}`);
    skipped.push(`${t.name}: ${t.missing}`);
    continue;
  }
  for (let rep = 0; rep < num('reps'); rep++) {
    const cluster = await t.start();
    progress(
      `${t.name} cluster up: ${JSON.stringify(cluster.describe())}, endpoints ${cluster.endpoints.join(',')}`,
    );
    try {
      await repetition(cluster, rep, rows, stalls);
    } catch (err) {
      // A crashed or stuck cluster is a result too: say so and go on with the next target.
      progress(`${t.name} run ${rep + 1} failed: ${(err as Error).message}`);
      failures.push(`${t.name} run ${rep + 1}: ${(err as Error).message.slice(0, 2000)}`);
      break;
    } finally {
      await cluster.stop();
    }
  }
}
process.stderr.write(`\n${loadTable(rows)}\n`);
if (stalls.length) process.stderr.write(`\n${stallTable(stalls)}\n`);
for (const s of skipped) process.stderr.write(`\nskipped ${s}\n`);
for (const f of failures) process.stderr.write(`\nFAILED ${f}\n`);
if (failures.length > 0) process.exitCode = 1;
