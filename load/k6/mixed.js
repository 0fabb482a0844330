// Get/set mix against kvstore.v1.KV: closed loop, VUS virtual users each with one request in flight.
//   k6 run load/k6/mixed.js                     (KVSTORE_ADDR=127.0.0.1:50051 VUS=16 DURATION=30s READ_RATIO=0.9)
// The same scenario from Node, with CPU figures: npm run load -- mixed
import { check } from 'k6';
import grpc from 'k6/net/grpc';
import {
  ADDR,
  KEYS,
  keyName,
  PROTO_DIR,
  READ_RATIO,
  summaryLines,
  TREND_STATS,
  VALUE,
} from './lib/kvstore.js';

const client = new grpc.Client();
client.load([PROTO_DIR], 'kvstore/v1/kvstore.proto');

export const options = {
  scenarios: {
    mixed: { executor: 'constant-vus', vus: Number(__ENV.VUS || 16), duration: __ENV.DURATION || '30s' },
  },
  thresholds: {
    grpc_req_duration: ['p(95)<5'],
    checks: ['rate>0.999'],
  },
  summaryTrendStats: TREND_STATS,
};

/** Every key exists before the mix starts, as with the Node runner's preload. */
export function setup() {
  client.connect(ADDR, { plaintext: true, timeout: '10s' });
  for (let i = 0; i < KEYS; i++) client.invoke('kvstore.v1.KV/Set', { key: keyName(i), value: VALUE });
  client.close();
}

export default function () {
  if (__ITER === 0) client.connect(ADDR, { plaintext: true });
  const key = keyName(Math.floor(Math.random() * KEYS));
  if (Math.random() < READ_RATIO) {
    const res = client.invoke('kvstore.v1.KV/Get', { key });
    check(res, { 'get OK': (r) => r && r.status === grpc.StatusOK });
  } else {
    const res = client.invoke('kvstore.v1.KV/Set', { key, value: VALUE });
    check(res, { 'set OK': (r) => r && r.status === grpc.StatusOK });
  }
}

export function handleSummary(data) {
  return { stdout: summaryLines('mixed', data) };
}
