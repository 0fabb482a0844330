// Soak: an open-loop get/set mix at a constant arrival rate for a long time (default 30 minutes), to see
// latency, memory and errors hold steady. Watch the Grafana dashboard while it runs.
//   k6 run load/k6/soak.js                      (RATE=500 DURATION=30m MAX_VUS=64 READ_RATIO=0.9)
// The same from Node (bounded to 60 s unless told otherwise): npm run load -- soak [--duration 1800]
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
    soak: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 500),
      timeUnit: '1s',
      duration: __ENV.DURATION || '30m',
      preAllocatedVUs: Number(__ENV.MAX_VUS || 64),
      maxVUs: Number(__ENV.MAX_VUS || 64),
    },
  },
  thresholds: {
    grpc_req_duration: ['p(95)<5'],
    checks: ['rate>0.999'],
    dropped_iterations: ['count<1'],
  },
  summaryTrendStats: TREND_STATS,
};

let connected = false;

export default function () {
  if (!connected) {
    client.connect(ADDR, { plaintext: true });
    connected = true;
  }
  const key = keyName(Math.floor(Math.random() * KEYS));
  const method = Math.random() < READ_RATIO ? 'Get' : 'Set';
  const res = client.invoke(`kvstore.v1.KV/${method}`, method === 'Get' ? { key } : { key, value: VALUE });
  check(res, { 'status OK': (r) => r && r.status === grpc.StatusOK });
}

export function handleSummary(data) {
  return { stdout: summaryLines('soak', data) };
}
