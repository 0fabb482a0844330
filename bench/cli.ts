/**
 * npm run bench:cli: wall time of one `kvstore get` (a new process per call, as a shell loop runs it),
 * next to `etcdctl get` against a real etcd when it is installed (apt-get install etcd-server
 * etcd-client), `kvstore --version` (start-up without a call) and `node -e ''` (the floor of any Node
 * CLI). The targets run interleaved, one call each per round, so a busy machine slows all of them alike.
 *
 *   npm run bench:cli                 # 30 rounds
 *   npm run bench:cli -- --runs 100
 *   npm run bench:cli -- --baseline-bin /tmp/old/bin/kvstore     # also time an older build's get
 *
 * Prints one JSON line per target and a markdown table on stderr (docs/benchmarks.md, CLI start-up).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startLocalServer } from '../load/local-server.js';
import { etcdAvailable, startEtcdAfter } from './etcd.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    'no-etcd': { type: 'boolean', default: false },
    // Another build's bin/kvstore (e.g. an older commit, unpacked with git archive and built) to compare.
    'baseline-bin': { type: 'string' },
  },
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

/**
 * CPU time of this process's waited-for children (user + system, /proc/self/stat cutime + cstime), in ms.
 * Clock ticks of 10 ms: only the mean over many runs is meaningful. CPU time is less disturbed than wall
 * time by other work on a shared machine.
 */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Wall and CPU milliseconds of one run; throws when the command fails or prints something else. */
function timeOnce(target: Target): { wall: number; cpu: number } {
  const cpuBefore = childrenCpuMs();
  const start = process.hrtime.bigint();
  const result = spawnSync(target.command, target.args, { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = childrenCpuMs() - cpuBefore;
  if (result.status !== 0 || result.stdout.trim() !== target.expect) {
    throw new Error(
      `${target.name}: exit ${result.status}, stdout ${result.stdout}, stderr ${result.stderr}`,
    );
  }
  return { wall, cpu };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function etcdctlAvailable(): boolean {
  return spawnSync('etcdctl', ['version'], { stdio: 'ignore' }).status === 0;
}

const server = await startLocalServer();
const etcd =
  !values['no-etcd'] && etcdAvailable() && etcdctlAvailable() ? await startEtcdAfter([server]) : null;
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
  const baseline = values['baseline-bin'];
  if (baseline !== undefined) {
    targets.push({
      name: `kvstore get (${baseline})`,
      command: process.execPath,
      args: [baseline, 'get', 'bench', '--addr', server.addr],
      expect: 'hello',
    });
  }
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
  const cpu = new Map(targets.map((t) => [t.name, 0]));
  const loadBefore = loadavg()[0]!;
  for (let i = 0; i < runs; i++) {
    for (const t of targets) {
      const once = timeOnce(t);
      times.get(t.name)!.push(once.wall);
      cpu.set(t.name, cpu.get(t.name)! + once.cpu);
    }
  }
  const loadAfter = loadavg()[0]!;
  const rows = targets.map((t) => {
    const sorted = [...times.get(t.name)!].sort((a, b) => a - b);
    const row = {
      target: t.name,
      runs,
      median_ms: Math.round(quantile(sorted, 0.5)),
      p90_ms: Math.round(quantile(sorted, 0.9)),
      min_ms: Math.round(sorted[0]!),
      cpu_ms_mean: Math.round(cpu.get(t.name)! / runs),
      load_average: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
    };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    return row;
  });
  process.stderr.write(
    `\n| command | median ms | p90 ms | min ms | CPU ms (mean) |\n|---|---:|---:|---:|---:|\n${rows
      .map((r) => `| \`${r.target}\` | ${r.median_ms} | ${r.p90_ms} | ${r.min_ms} | ${r.cpu_ms_mean} |`)
      .join(
        '\n',
      )}\n\n(${runs} runs each, interleaved; 1-minute load average ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)})\n`,
  );
} finally {
  await etcd?.stop();
  await server.stop();
}
