// Shared by the k6 scenarios: settings from the environment, key and value shapes that match the Node runner
// (npm run load), and a summary in the same words as its summary.
import encoding from 'k6/encoding';

/** kvstore's gRPC address. */
export const ADDR = __ENV.KVSTORE_ADDR || '127.0.0.1:50051';
/** Directory holding kvstore/v1/kvstore.proto (relative paths are relative to the script). */
export const PROTO_DIR = __ENV.KVSTORE_PROTO_DIR || '../../proto';
export const KEYS = Number(__ENV.KEYS || 10000);
export const VALUE_BYTES = Number(__ENV.VALUE_BYTES || 100);
export const READ_RATIO = Number(__ENV.READ_RATIO || 0.9);
export const KEY_PREFIX = __ENV.KEY_PREFIX || 'load/';

/** The same key names as the Node runner: prefix and a zero-padded index. */
export function keyName(i) {
  return KEY_PREFIX + String(i).padStart(Math.max(8, String(KEYS - 1).length), '0');
}

/** A value of VALUE_BYTES bytes, base64 as k6 sends bytes fields. */
export const VALUE = encoding.b64encode('x'.repeat(VALUE_BYTES));

const ms = (v) => (v === undefined ? '-' : `${v.toFixed(2)} ms`);

/**
 * The summary lines of `npm run load` (throughput, latency p50/p95/p99, errors, thresholds) from k6's end-of-test
 * data; `trend` is the latency metric (grpc_req_duration or the watch delay) and `counter` what counts as an op.
 */
export function summaryLines(scenario, data, trend = 'grpc_req_duration', counter = 'grpc_reqs') {
  const t = data.metrics[trend]?.values || {};
  const c = data.metrics[counter]?.values || { count: 0, rate: 0 };
  const checks = data.metrics.checks?.values || { fails: 0, passes: 0 };
  const total = checks.fails + checks.passes;
  const lines = [
    `kvstore-load ${scenario} (k6): kvstore at ${ADDR}`,
    `  throughput   ${Math.round(c.rate)} ops/s (${c.count} ops)`,
    `  latency      p50 ${ms(t.med)}   p95 ${ms(t['p(95)'])}   p99 ${ms(t['p(99)'])}   max ${ms(t.max)}`,
    `  errors       ${checks.fails} (${total > 0 ? ((checks.fails / total) * 100).toFixed(2) : '0.00'} %)`,
  ];
  for (const [name, metric] of Object.entries(data.metrics)) {
    for (const [rule, result] of Object.entries(metric.thresholds || {})) {
      lines.push(`  threshold    ${name} ${rule}: ${result.ok ? 'ok' : 'FAILED'}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Percentiles the summaries need (k6 leaves p99 out by default). */
export const TREND_STATS = ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'];
