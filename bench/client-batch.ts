/**
 * Durable Sets through the TypeScript client with and without client-side batching (`connect({ batch })`,
 * issue 12): C clients (one HTTP/2 connection each) shared by N concurrent callers, each Set a random key of
 * 10,000 with a 100-byte value, against one local server (fsync on every group commit).
 *
 *   npm run bench:client-batch -- [--shapes 16/64,1/256] [--duration 10] [--reps 3] [--max-items 256]
 *     [--max-in-flight 1]
 *
 * Runs alternate between batching off and on; one JSON line per run on stdout, medians on stderr.
 */
import { parseArgs } from 'node:util';
import { processCpuSeconds } from '../load/cpu.js';
import { startLocalServer } from '../load/local-server.js';
import { connect, type KvClient } from '../src/client/index.js';

const { values } = parseArgs({
  options: {
    shapes: { type: 'string', default: '16/64,1/256' },
    duration: { type: 'string', default: '10' },
    reps: { type: 'string', default: '3' },
    'max-items': { type: 'string', default: '256' },
    'max-in-flight': { type: 'string', default: '1' },
  },
});
const durationMs = Number(values.duration) * 1000;
const shapes = values.shapes.split(',').map((s) => s.split('/').map(Number) as [number, number]);
const value = Buffer.alloc(100, 'v');

interface Run {
  readonly bench: 'client-batch';
  readonly batch: boolean;
  readonly conns: number;
  readonly inflight: number;
  readonly sets_per_s: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly server_cpu_us_per_set: number;
  readonly client_cpu_us_per_set: number;
  readonly errors: number;
}

async function run(pid: number, addr: string, conns: number, inflight: number, batch: boolean): Promise<Run> {
  const clients: KvClient[] = Array.from({ length: conns }, () =>
    connect({
      endpoints: [addr],
      ...(batch
        ? {
            batch: {
              maxItems: Number(values['max-items']),
              maxInFlight: Number(values['max-in-flight']),
            },
          }
        : {}),
    }),
  );
  try {
    // Warm-up: connections open, code paths compiled.
    await Promise.all(clients.map((c, i) => c.set(`warm/${i}`, value)));
    const latencies: number[] = [];
    let errors = 0;
    const serverCpu0 = processCpuSeconds(pid) ?? 0;
    const clientCpu0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + durationMs;
    await Promise.all(
      Array.from({ length: inflight }, async (_, i) => {
        const client = clients[i % conns]!;
        while (performance.now() < end) {
          const started = performance.now();
          try {
            await client.set(`bench/${Math.floor(Math.random() * 10_000)}`, value);
            latencies.push(performance.now() - started);
          } catch {
            errors++;
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const serverCpu = (processCpuSeconds(pid) ?? 0) - serverCpu0;
    const clientCpu = process.cpuUsage(clientCpu0);
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    const sets = latencies.length;
    return {
      bench: 'client-batch',
      batch,
      conns,
      inflight,
      sets_per_s: Math.round(sets / seconds),
      p50_ms: Number(at(0.5).toFixed(2)),
      p99_ms: Number(at(0.99).toFixed(2)),
      server_cpu_us_per_set: Math.round((serverCpu * 1e6) / sets),
      client_cpu_us_per_set: Math.round((clientCpu.user + clientCpu.system) / sets),
      errors,
    };
  } finally {
    for (const c of clients) c.close();
  }
}

const server = await startLocalServer();
const runs: Run[] = [];
try {
  for (let rep = 0; rep < Number(values.reps); rep++) {
    for (const [conns, inflight] of shapes) {
      for (const batch of [false, true]) {
        process.stderr.write(
          `[client-batch] ${conns}/${inflight} batch ${batch ? 'on' : 'off'} run ${rep + 1}\n`,
        );
        const r = await run(server.pid, server.addr, conns, inflight, batch);
        process.stdout.write(`${JSON.stringify(r)}\n`);
        runs.push(r);
      }
    }
  }
} finally {
  await server.stop();
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
process.stderr.write(
  '\n| conns/inflight | batching | sets/s (median) | p50 ms | p99 ms | server CPU us/set | client CPU us/set |\n|---|---|---|---|---|---|---|\n',
);
for (const [conns, inflight] of shapes) {
  for (const batch of [false, true]) {
    const rs = runs.filter((r) => r.conns === conns && r.inflight === inflight && r.batch === batch);
    process.stderr.write(
      `| ${conns}/${inflight} | ${batch ? 'on' : 'off'} | ${median(rs.map((r) => r.sets_per_s))} | ` +
        `${median(rs.map((r) => r.p50_ms))} | ${median(rs.map((r) => r.p99_ms))} | ` +
        `${median(rs.map((r) => r.server_cpu_us_per_set))} | ${median(rs.map((r) => r.client_cpu_us_per_set))} |\n`,
    );
  }
}
