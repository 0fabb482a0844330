/**
 * npm run bench:tracing: what OpenTelemetry tracing costs the server per Get and per durable Set over gRPC,
 * with tracing off (the default) and on (OTLP/HTTP into a receiver in this process that parses and counts
 * the spans), and, given --baseline DIR, a build of the code before tracing existed: "off costs nothing"
 * is then measured rather than argued. The load is bench:api's (load/: same client, keys, value size),
 * one shape (--shape conns/inflight), rounds interleaved so that a noisy neighbour hits every mode alike.
 *
 *   npm run bench:tracing -- [--rounds 3] [--duration 10] [--warmup 2] [--shape 4/16] [--baseline DIR]
 *
 * DIR is a built checkout (npx tsc -p tsconfig.json) of the commit before tracing, e.g.
 *   git archive d3ca3e0 | tar -x -C /tmp/kvstore-base && ln -s $PWD/node_modules /tmp/kvstore-base/ &&
 *   (cd /tmp/kvstore-base && npx tsc -p tsconfig.json)
 * One JSON line per run on stdout; a markdown table of medians on stderr.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type LocalServer, startLocalServer } from '../load/local-server.js';
import { loadOptions } from '../load/options.js';
import type { LoadResult } from '../load/result.js';
import { runLoad } from '../load/run.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    ops: { type: 'string', default: 'get,set' },
    shape: { type: 'string', default: '4/16' },
    baseline: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const [conns, inflight] = values.shape.split('/').map(Number) as [number, number];
const ops = values.ops.split(',') as ('get' | 'set')[];
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** An OTLP/HTTP receiver: counts the spans of every JSON export it is sent. */
let spansReceived = 0;
const sink = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
    };
    for (const rs of body.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? []) spansReceived += ss.spans?.length ?? 0;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;

const noOtel: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')),
);
interface Mode {
  readonly name: string;
  readonly server: LocalServer;
  readonly runs: Record<string, LoadResult[]>;
}
const modes: Mode[] = [];
const start = async (name: string, options: Parameters<typeof startLocalServer>[0]) => {
  modes.push({ name, server: await startLocalServer(options), runs: { get: [], set: [] } });
};
try {
  if (values.baseline)
    await start('before tracing', { env: noOtel, bin: join(values.baseline, 'bin/kvstore') });
  await start('off', { env: noOtel });
  await start('on', {
    env: { ...noOtel, OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint },
  });
  for (let r = 0; r < rounds; r++) {
    for (const op of ops) {
      for (const m of modes) {
        progress(`round ${r + 1}/${rounds} ${op} ${m.name}`);
        const spansBefore = spansReceived;
        const result = await runLoad(
          loadOptions(op, {
            target: 'kvstore',
            addr: m.server.addr,
            serverPids: [m.server.pid],
            conns,
            inflight,
            workers: Math.min(2, conns),
            durationS: Number(values.duration),
            warmupS: Number(values.warmup),
            valueBytes: 100,
            keys: 10_000,
            label: `bench:tracing ${m.name} ${op} ${conns}/${inflight}`,
          }),
          () => {},
        );
        process.stdout.write(
          `${JSON.stringify({ mode: m.name, round: r + 1, spans_received: spansReceived - spansBefore, ...result })}\n`,
        );
        m.runs[op]!.push(result);
      }
    }
  }
} finally {
  for (const m of modes) await m.server.stop();
  sink.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (us: number) => (us / 1000).toFixed(us < 1000 ? 2 : 1);
const lines = [
  `| op | tracing | ops/s | p50 ms | p99 ms | server CPU µs/op (median) | runs (µs/op) | vs off |`,
  '|---|---|---|---|---|---|---|---|',
];
for (const op of ops) {
  const off = median(
    modes.find((m) => m.name === 'off')!.runs[op]!.map((r) => r.cpu.server_cpu_us_per_op ?? 0),
  );
  for (const m of modes) {
    const rs = m.runs[op]!;
    const cpu = rs.map((r) => r.cpu.server_cpu_us_per_op ?? 0);
    const med = median(cpu);
    lines.push(
      `| ${op} | ${m.name} | ${Math.round(median(rs.map((r) => r.ops_per_s ?? 0)))} | ` +
        `${ms(median(rs.map((r) => r.latency_us?.p50 ?? 0)))} | ${ms(median(rs.map((r) => r.latency_us?.p99 ?? 0)))} | ` +
        `${med.toFixed(1)} | ${cpu.map((c) => c.toFixed(1)).join(' / ')} | ${(((med - off) / off) * 100).toFixed(1)} % |`,
    );
  }
}
process.stderr.write(`\n${lines.join('\n')}\n`);
