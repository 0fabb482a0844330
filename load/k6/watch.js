// Watch fan-out: WATCHERS virtual users each hold one kvstore.v1.KV/Watch stream on KEY_PREFIX while one
// writer sets keys under it at WATCH_RATE per second; each value carries its send time, so every delivered
// event records its delay (watch_delay) and the count shows whether any was lost.
//   k6 run load/k6/watch.js                     (WATCHERS=50 WATCH_RATE=100 DURATION=30s)
// The same from Node, with delivery ratio and CPU per event: npm run load -- watch
import { check } from 'k6';
import encoding from 'k6/encoding';
import { Counter, Trend } from 'k6/metrics';
import grpc from 'k6/net/grpc';
import { setTimeout } from 'k6/timers';
import {
  ADDR,
  KEY_PREFIX,
  KEYS,
  keyName,
  PROTO_DIR,
  summaryLines,
  TREND_STATS,
  VALUE_BYTES,
} from './lib/kvstore.js';

const client = new grpc.Client();
client.load([PROTO_DIR], 'kvstore/v1/kvstore.proto');

const WATCHERS = Number(__ENV.WATCHERS || 50);
const DURATION_S = Number(__ENV.DURATION_S || 30);
const delay = new Trend('watch_delay', true);
const events = new Counter('watch_events');

export const options = {
  scenarios: {
    watchers: {
      executor: 'per-vu-iterations',
      exec: 'watch',
      vus: WATCHERS,
      iterations: 1,
      maxDuration: `${DURATION_S + 30}s`,
    },
    writer: {
      executor: 'constant-arrival-rate',
      exec: 'write',
      rate: Number(__ENV.WATCH_RATE || 100),
      timeUnit: '1s',
      startTime: '2s', // the watchers' streams are open by then
      duration: `${DURATION_S}s`,
      preAllocatedVUs: 8,
      maxVUs: 64,
    },
  },
  thresholds: {
    watch_delay: ['p(95)<50'],
    checks: ['rate>0.999'],
  },
  summaryTrendStats: TREND_STATS,
};

/** One watcher: a Watch stream held until the writer is done. */
export function watch() {
  client.connect(ADDR, { plaintext: true });
  const stream = new grpc.Stream(client, 'kvstore.v1.KV/Watch', null);
  stream.on('data', (response) => {
    const now = Date.now();
    for (const event of response.events || []) {
      const sent = Number(encoding.b64decode(event.kv.value, 'std', 's').slice(0, 13));
      if (sent > 0) {
        delay.add(now - sent);
        events.add(1);
      }
    }
  });
  stream.on('error', (err) => check(err, { 'watch stream healthy': () => false }));
  stream.write({ prefix: KEY_PREFIX, start_revision: 0 });
  setTimeout(() => client.close(), (DURATION_S + 5) * 1000);
}

let writerConnected = false;

/** The writer: a set whose value starts with the send time in milliseconds. */
export function write() {
  if (!writerConnected) {
    client.connect(ADDR, { plaintext: true });
    writerConnected = true;
  }
  const value = encoding.b64encode(String(Date.now()).padEnd(VALUE_BYTES, 'x'));
  const res = client.invoke('kvstore.v1.KV/Set', { key: keyName(Math.floor(Math.random() * KEYS)), value });
  check(res, { 'set OK': (r) => r && r.status === grpc.StatusOK });
}

export function handleSummary(data) {
  return { stdout: summaryLines('watch', data, 'watch_delay', 'watch_events') };
}
