/**
 * npm run bench:cli: wall time of one `kvstore get` (a new process per call, as a shell loop runs it),
 * next to `etcdctl get` against a real etcd when it is installed (apt-get install etcd-server
 * etcd-client), `kvstore --version` (start-up without a call) and `node -e ''` (the floor of any Node
 * CLI). The targets run interleaved, one call each per round, so a busy machine slows all of them alike.
 *
 *   npm run bench:cli                 # 30 rounds
 *   npm run bench:cli -- --runs 100
 *
 * Prints one JSON line per target and a markdown table on stderr (docs/benchmarks.md, CLI start-up).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startLocalServer } from '../load/local-server.js';
import { etcdAvailable, startEtcd } from './etcd.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, 'no-etcd': { type: 'boolean', default: false } },
});
const runs = Number(values.runs);
const progress = (line: string) => process.stderr.write(`[bench:cli] ${line}\n`);

interface Target {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** What the command must print, so a failing command is not timed as a fast one. */
  readonly expect: string;
}

/** Milliseconds of one run; throws when the command fails or prints something else. */
function timeOnce(target: Target): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(target.command, target.args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0 || result.stdout.trim() !== target.expect) {
    throw new Error(
      `${target.name}: exit ${result.status}, stdout ${result.stdout}, stderr ${result.stderr}`,
    );
  }
  return ms;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function etcdctlAvailable(): boolean {
  return spawnSync('etcdctl', ['version'], { stdio: 'ignore' }).status === 0;
}

const server = await startLocalServer();
const etcd = !values['no-etcd'] && etcdAvailable() && etcdctlAvailable() ? await startEtcd() : null;
try {
  const bin = 'bin/kvstore';
  const set = spawnSync(process.execPath, [bin, 'set', 'bench', 'hello', '--addr', server.addr]);
  if (set.status !== 0) throw new Error(`kvstore set failed: ${set.stderr}`);
  const targets: Target[] = [
    { name: "node -e ''", command: process.execPath, args: ['-e', ''], expect: '' },
    {
      name: 'kvstore --version',
      command: process.execPath,
      args: [bin, '--version'],
      expect: (spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).stdout ?? '').trim(),
    },
    {
      name: 'kvstore get',
      command: process.execPath,
      args: [bin, 'get', 'bench', '--addr', server.addr],
      expect: 'hello',
    },
  ];
  if (etcd) {
    const env = { ...process.env, ETCDCTL_API: '3' };
    const put = spawnSync('etcdctl', ['--endpoints', etcd.addr, 'put', 'bench', 'hello'], { env });
    if (put.status !== 0) throw new Error(`etcdctl put failed: ${put.stderr}`);
    targets.push({
      name: `etcdctl get (etcd ${etcd.version})`,
      command: 'etcdctl',
      args: ['--endpoints', etcd.addr, 'get', 'bench', '--print-value-only'],
      expect: 'hello',
    });
  } else {
    progress('etcd or etcdctl not installed (apt-get install -y etcd-server etcd-client): no etcdctl figure');
  }
  for (const t of targets) timeOnce(t); // warm the page cache
  const times = new Map(targets.map((t) => [t.name, [] as number[]]));
  const loadBefore = loadavg()[0]!;
  for (let i = 0; i < runs; i++) for (const t of targets) times.get(t.name)!.push(timeOnce(t));
  const loadAfter = loadavg()[0]!;
  const rows = targets.map((t) => {
    const sorted = [...times.get(t.name)!].sort((a, b) => a - b);
    const row = {
      target: t.name,
      runs,
      median_ms: Math.round(quantile(sorted, 0.5)),
      p90_ms: Math.round(quantile(sorted, 0.9)),
      min_ms: Math.round(sorted[0]!),
      load_average: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
    };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    return row;
  });
  process.stderr.write(
    `\n| command | median ms | p90 ms | min ms |\n|---|---:|---:|---:|\n${rows
      .map((r) => `| \`${r.target}\` | ${r.median_ms} | ${r.p90_ms} | ${r.min_ms} |`)
      .join(
        '\n',
      )}\n\n(${runs} runs each, interleaved; 1-minute load average ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)})\n`,
  );
} finally {
  await etcd?.stop();
  await server.stop();
}
