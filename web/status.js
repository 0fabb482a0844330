// The console's header and charts: the server's status and its own /metrics, once a second; the parts only
// an admin may see (server details, log size, backup) say so for other principals.
import { api, base, call, errorText } from './api.js';
import { authHeaders, credential, signOut } from './auth.js';
import { buckets, chart, needsAdmin, parseMetrics, percentile, push, sum } from './charts.js';

const $ = (id) => document.getElementById(id);
const state = { admin: true };

// ---- charts from the server's own metrics -------------------------------------------------------------

let previous = null;
/** One sample of /metrics and /v1/status into the charts and the header. */
export async function poll() {
  try {
    const [metricsRes, status] = await Promise.all([fetch(new URL('metrics', base)), call('GET', 'status')]);
    const samples = parseMetrics(await metricsRes.text());
    const now = {
      at: performance.now(),
      requests: sum(samples, 'kvstore_grpc_requests_total'),
      buckets: buckets(samples),
    };
    if (previous) {
      const seconds = (now.at - previous.at) / 1000;
      push('ops', Math.max(0, (now.requests - previous.requests) / seconds));
      push('p50', percentile(now.buckets, previous.buckets, 0.5) * 1000);
      push('p99', percentile(now.buckets, previous.buckets, 0.99) * 1000);
    }
    previous = now;
    if (status.status !== 200) {
      $('status').textContent = errorText(status.status, status.json);
      return;
    }
    const s = status.json;
    showAdmin(s);
    push('revision', s.header.revision);
    if (state.admin) push('log', s.log_bytes);
    push('watchers', sum(samples, 'kvstore_watchers'));
    push('nats', sum(samples, 'kvstore_nats_publish_lag_revisions'));
    $('status').textContent = state.admin
      ? `revision ${s.header.revision} · ${s.keys} keys · ${s.backend.split(':')[0]} · v${s.version}`
      : `revision ${s.header.revision} · v${s.version} · key count and server details need admin`;
  } catch (err) {
    $('status').textContent = `cannot reach the server (${err.message})`;
  }
}

// ---- admin-only parts ---------------------------------------------------------------------------------

/** Status answers the server details (its backend, among them) only to an admin: the rest says so. */
function showAdmin(status) {
  const admin = status.backend !== '';
  if (admin === state.admin) return;
  state.admin = admin;
  $('backup').hidden = !admin;
  $('backup-note').hidden = admin;
  if (!admin) needsAdmin('log');
}

/** With a credential the backup is fetched (a plain link could not send it), then saved from memory. */
export async function downloadBackup(e) {
  if (credential() === null) return; // no authentication: the plain link streams it
  e.preventDefault();
  const res = await fetch(api('backup'), { headers: authHeaders() });
  if (res.status !== 200) {
    const json = await res.json().catch(() => null);
    if (res.status === 401) return signOut(errorText(res.status, json));
    $('backup-note').hidden = false;
    $('backup-note').textContent = errorText(res.status, json);
    return;
  }
  const name =
    /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'kvstore.backup';
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- start --------------------------------------------------------------------------------------------

const num = (v) => (v >= 100 ? Math.round(v).toLocaleString() : v.toFixed(v >= 10 ? 1 : 2));
const bytes = (v) => (v >= 1048576 ? `${(v / 1048576).toFixed(1)} MiB` : `${(v / 1024).toFixed(1)} KiB`);

/** The charts, empty until the first polls. */
export function setUpCharts() {
  chart('ops', 'requests/s', num);
  chart('p50', 'latency p50 (ms, bucket)', num);
  chart('p99', 'latency p99 (ms, bucket)', num);
  chart('revision', 'revision', (v) => String(v));
  chart('log', 'log size', bytes);
  chart('watchers', 'watchers', (v) => String(v));
  chart('nats', 'NATS lag (revisions)', (v) => String(v));
}
