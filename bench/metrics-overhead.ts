// What request metrics cost the request path, per request, in-process (no I/O, no gRPC):
//   npx tsx bench/metrics-overhead.ts
// Compares kvstore's RequestObserver (preallocated tallies, prom-client families built on scrape) with
// recording through prom-client's own Counter and Histogram on every request.
import { status } from '@grpc/grpc-js';
import { Counter, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../src/api/metrics/bucket-tally.js';
import { ServerMetrics } from '../src/api/metrics/server-metrics.js';

const N = 5_000_000;
const METHODS = ['Get', 'Set', 'Get', 'Get', 'List'];
const SECONDS = [0.00004, 0.0003, 0.00008, 0.002, 0.0001];

function time(label: string, observe: (method: string, code: number, seconds: number) => void): number {
  for (let i = 0; i < 200_000; i++) observe(METHODS[i % 5]!, status.OK, SECONDS[i % 5]!); // warm up the JIT
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++)
    observe(METHODS[i % 5]!, i % 97 === 0 ? status.NOT_FOUND : status.OK, SECONDS[i % 5]!);
  const ns = Number(process.hrtime.bigint() - started) / N;
  console.log(`${label.padEnd(44)} ${ns.toFixed(1).padStart(7)} ns/request`);
  return ns;
}

const ours = new ServerMetrics({ providers: {}, ready: () => true, version: 'bench' });
time('kvstore RequestObserver', ours.requests.observe);

const registry = new Registry();
const counter = new Counter({ name: 'c', help: 'c', labelNames: ['method', 'code'], registers: [registry] });
const histogram = new Histogram({
  name: 'h',
  help: 'h',
  labelNames: ['method'],
  buckets: [...LATENCY_BUCKETS],
  registers: [registry],
});
time('prom-client Counter.inc + Histogram.observe', (method, code, seconds) => {
  counter.inc({ method, code: status[code] });
  histogram.observe({ method }, seconds);
});
time('nothing (loop and call overhead)', () => {});

// The scrape itself: what /metrics costs per call with the families above filled.
const scrapes = 200;
const started = process.hrtime.bigint();
for (let i = 0; i < scrapes; i++) await ours.text();
console.log(
  `${'one /metrics exposition'.padEnd(44)} ${(Number(process.hrtime.bigint() - started) / scrapes / 1e6).toFixed(2).padStart(7)} ms`,
);
