/**
 * npm run bench:watch: watch fan-out of kvstore next to etcd, driven by the same client (load/).
 *
 *   - delivered events/s and end-to-end delay (writer's call -> watcher receives) p50/p99 for 100, 1,000
 *     and 10,000 watchers on one prefix with one writer (100 x 1000/s, 1000 x 100/s, 10000 x 10/s: each
 *     100,000 events/s offered), plus 100 x 100/s;
 *   - server memory per idle watch stream (RSS growth from N to 2N idle streams, / N).
 *
 *   npm run bench:watch -- --duration 10 --no-etcd --shapes 100x1000,1000x100
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startLocalServer } from '../load/local-server.js';
import { loadOptions } from '../load/options.js';
import type { LoadResult } from '../load/result.js';
import { runLoad } from '../load/run.js';
import { connectTarget } from '../load/targets/index.js';
import { etcdAvailable, startEtcdAfter } from './etcd.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    shapes: { type: 'string', default: '100x100,100x1000,1000x100,10000x10' },
    idle: { type: 'string', default: '2000' },
    'no-etcd': { type: 'boolean', default: false },
  },
});
const progress = (line: string) => process.stderr.write(`[bench:watch] ${line}\n`);
const shapes = values.shapes.split(',').map((s) => s.split('x').map(Number) as [number, number]);

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/**
 * Server memory per idle watch stream: the RSS growth between `n` and `2n` idle streams (on 4 connections),
 * divided by `n`. Taking the marginal cost, after the first `n` have paid for one-time growth (heap pages,
 * compiled code), keeps the figure from depending on where the allocator happened to be.
 */
async function idleMemory(name: 'kvstore' | 'etcd', addr: string, pid: number, n: number): Promise<number> {
  const target = await connectTarget(name, { addr, conns: 4 });
  const settle = () => new Promise((r) => setTimeout(r, 3000));
  const handles: { cancel(): void }[] = [];
  const open = (count: number) => {
    for (let i = 0; i < count; i++) {
      const k = handles.length;
      handles.push(
        target.watch!(
          k % 4,
          `idle/${k}/`,
          () => {},
          (err) => progress(`idle watch error: ${err.message}`),
        ),
      );
    }
  };
  open(n);
  await settle();
  const first = rssKiB(pid);
  open(n);
  await settle();
  const second = rssKiB(pid);
  for (const h of handles) h.cancel();
  await target.close();
  return Math.round(((second - first) * 1024) / n);
}

interface Server {
  name: 'kvstore' | 'etcd';
  addr: string;
  pid: number;
  stop(): Promise<void>;
}

const servers: Server[] = [];
const kv = await startLocalServer();
servers.push({ name: 'kvstore', addr: kv.addr, pid: kv.pid, stop: () => kv.stop() });
if (!values['no-etcd'] && etcdAvailable()) {
  const etcd = await startEtcdAfter(servers);
  servers.push({ name: 'etcd', addr: etcd.addr, pid: etcd.pid, stop: () => etcd.stop() });
}
const table = [
  '| target | watchers | writes/s | events/s delivered | delivery | delay p50 ms | delay p99 ms | server cores | foreign cores |',
  '|---|---|---|---|---|---|---|---|---|',
];
const memory: string[] = [];
try {
  for (const s of servers) {
    const bytes = await idleMemory(s.name, s.addr, s.pid, Number(values.idle));
    memory.push(
      `| ${s.name} | ${values.idle} -> ${2 * Number(values.idle)} | ${(bytes / 1024).toFixed(1)} KiB |`,
    );
    process.stdout.write(
      `${JSON.stringify({ bench: 'watch', figure: 'idle_stream_bytes', target: s.name, streams: Number(values.idle), bytes })}\n`,
    );
  }
  for (const [watchers, rate] of shapes) {
    for (const s of servers) {
      progress(`${s.name}: ${watchers} watchers x ${rate} writes/s`);
      const r: LoadResult = await runLoad(
        loadOptions('watch', {
          target: s.name,
          addr: s.addr,
          serverPids: [s.pid],
          watchers,
          watchRate: rate,
          conns: Math.max(2, Math.ceil(watchers / 500)),
          durationS: Number(values.duration),
          warmupS: Number(values.warmup),
          label: `bench:watch ${s.name} ${watchers}x${rate}`,
        }),
        () => {},
      );
      process.stdout.write(`${JSON.stringify(r)}\n`);
      const d = r.latency_us;
      table.push(
        `| ${s.name} | ${watchers} | ${rate} | ${Math.round(r.events_per_s ?? 0)} | ${(r.delivery_ratio ?? 0).toFixed(4)} | ` +
          `${((d?.p50 ?? 0) / 1000).toFixed(1)} | ${((d?.p99 ?? 0) / 1000).toFixed(1)} | ${(r.cpu.server_cores ?? 0).toFixed(2)} | ${(r.cpu.foreign_cores ?? 0).toFixed(2)} |`,
      );
    }
  }
} finally {
  for (const s of servers) await s.stop();
}
process.stderr.write(
  `\n${table.join('\n')}\n\n| target | idle streams | server memory per stream |\n|---|---|---|\n${memory.join('\n')}\n`,
);
