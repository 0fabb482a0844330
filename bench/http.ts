/**
 * npm run bench:http: GET and PUT of one key over HTTP/1.1 keep-alive, kvstore's JSON API (/v1/kv/{key})
 * next to etcd's JSON gateway (/v3/kv/range, /v3/kv/put on its client port), same machine, same client.
 * Prints one JSON line per run and a markdown table on stderr: req/s, p50/p99 and server CPU per request
 * (utime + stime of the server process over the window, from /proc).
 *
 *   npm run bench:http                                  # 10 s windows after 2 s warm-up, conns 1 and 16
 *   npm run bench:http -- --duration 5 --conns 1,4,16 --ops get --no-etcd
 *
 * The client is one Node process (node:http, keep-alive, one request in flight per connection); on 2
 * cores it competes with the server for CPU, so compare servers by CPU per request and latency as well as
 * by req/s.
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { processCpuSeconds } from '../load/cpu.js';
import { LatencyHistogram } from '../load/histogram.js';
import { startLocalServer } from '../load/local-server.js';
import { etcdAvailable, startEtcdAfter } from './etcd.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    ops: { type: 'string', default: 'get,put' },
    conns: { type: 'string', default: '1,16' },
    keys: { type: 'string', default: '1000' },
    'value-bytes': { type: 'string', default: '100' },
    'no-etcd': { type: 'boolean', default: false },
  },
});
const durationS = Number(values.duration);
const warmupS = Number(values.warmup);
const keyCount = Number(values.keys);
const value = 'v'.repeat(Number(values['value-bytes']));
const progress = (line: string) => process.stderr.write(`[bench:http] ${line}\n`);

type Op = 'get' | 'put';

/** How one target takes a GET and a PUT of key i. */
interface Target {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  req(op: Op, i: number): HttpCall;
  stop(): Promise<void>;
}

/** One request: method, path, body, headers. */
interface HttpCall {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly headers: Record<string, string>;
}

const key = (i: number) => `bench/key-${String(i).padStart(6, '0')}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

function call(agent: Agent, t: Target, op: Op, i: number): Promise<number> {
  const r = t.req(op, i);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: t.host,
        port: t.port,
        method: r.method,
        path: r.path,
        headers:
          r.body === undefined ? r.headers : { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

interface Result {
  target: string;
  op: Op;
  conns: number;
  requests: number;
  errors: number;
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  server_cpu_us_per_req: number | null;
  client_cpu_us_per_req: number;
}

async function run(t: Target, op: Op, conns: number): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  const histogram = new LatencyHistogram();
  let measuring = false;
  let stop = false;
  let requests = 0;
  let errors = 0;
  const loop = async (n: number) => {
    let i = n;
    while (!stop) {
      i = (i + 7919) % keyCount;
      const started = performance.now();
      const status = await call(agent, t, op, i).catch(() => 0);
      if (!measuring) continue;
      histogram.record((performance.now() - started) * 1000);
      requests++;
      if (status !== 200) errors++;
    }
  };
  const loops = Array.from({ length: conns }, (_, n) => loop(n));
  await new Promise((r) => setTimeout(r, warmupS * 1000));
  measuring = true;
  const server0 = processCpuSeconds(t.pid);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, durationS * 1000));
  const wall = (performance.now() - t0) / 1000;
  const server1 = processCpuSeconds(t.pid);
  const client = process.cpuUsage(client0);
  measuring = false;
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  return {
    target: t.name,
    op,
    conns,
    requests,
    errors,
    req_per_s: Math.round(requests / wall),
    p50_ms: histogram.percentile(50) / 1000,
    p99_ms: histogram.percentile(99) / 1000,
    server_cpu_us_per_req:
      server0 === null || server1 === null ? null : Math.round(((server1 - server0) * 1e6) / requests),
    client_cpu_us_per_req: Math.round((client.user + client.system) / requests),
  };
}

const targets: Target[] = [];
const kv = await startLocalServer();
const [kvHost, kvPort] = kv.httpAddr.split(':') as [string, string];
targets.push({
  name: 'kvstore /v1/kv',
  host: kvHost,
  port: Number(kvPort),
  pid: kv.pid,
  req: (op, i): HttpCall =>
    op === 'get'
      ? { method: 'GET', path: `/v1/kv/${key(i)}`, headers: {} }
      : { method: 'PUT', path: `/v1/kv/${key(i)}`, body: value, headers: { 'content-type': 'text/plain' } },
  stop: () => kv.stop(),
});
if (!values['no-etcd']) {
  if (etcdAvailable()) {
    const etcd = await startEtcdAfter(targets);
    progress(`etcd ${etcd.version} on ${etcd.addr}`);
    const [host, port] = etcd.addr.split(':') as [string, string];
    targets.push({
      name: `etcd ${etcd.version} gateway /v3/kv`,
      host,
      port: Number(port),
      pid: etcd.pid,
      req: (op, i) => ({
        method: 'POST',
        path: op === 'get' ? '/v3/kv/range' : '/v3/kv/put',
        body: JSON.stringify(op === 'get' ? { key: b64(key(i)) } : { key: b64(key(i)), value: b64(value) }),
        headers: { 'content-type': 'application/json' },
      }),
      stop: () => etcd.stop(),
    });
  } else {
    progress('etcd is not installed (apt-get install etcd-server): kvstore figures only');
  }
}

const results: Result[] = [];
try {
  for (const t of targets) {
    // Every key exists before the GET runs (a GET of a missing key is a 404 on kvstore, an empty range on etcd).
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    for (let i = 0; i < keyCount; i += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, keyCount - i) }, (_, n) => call(agent, t, 'put', i + n)),
      );
    }
    agent.destroy();
  }
  for (const op of values.ops.split(',') as Op[]) {
    for (const conns of values.conns.split(',').map(Number)) {
      for (const t of targets) {
        progress(`${t.name} ${op} conns ${conns}`);
        const result = await run(t, op, conns);
        process.stdout.write(`${JSON.stringify(result)}\n`);
        results.push(result);
      }
    }
  }
} finally {
  for (const t of targets) await t.stop();
}

const lines = [
  '| target | op | conns | req/s | p50 ms | p99 ms | server CPU µs/req | client CPU µs/req | errors |',
  '|---|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.target} | ${r.op} | ${r.conns} | ${r.req_per_s} | ${r.p50_ms.toFixed(2)} | ${r.p99_ms.toFixed(2)} | ` +
      `${r.server_cpu_us_per_req ?? '?'} | ${r.client_cpu_us_per_req} | ${r.errors} |`,
  ),
];
process.stderr.write(`\n${lines.join('\n')}\n`);
