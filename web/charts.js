// The console's charts: small canvases fed from the server's own /metrics (Prometheus text) and /v1/status.
const $ = (id) => document.getElementById(id);

const charts = {};
export function chart(id, title, format) {
  const box = document.createElement('div');
  box.className = 'chart';
  box.dataset.chart = id;
  const h = document.createElement('h4');
  const out = document.createElement('output');
  out.dataset.testid = `chart-${id}`;
  h.append(title, out);
  const canvas = document.createElement('canvas');
  canvas.width = 300;
  canvas.height = 60;
  box.append(h, canvas);
  $('charts').append(box);
  charts[id] = { points: [], out, canvas, format };
}

export function push(id, value) {
  const c = charts[id];
  c.points.push(value);
  if (c.points.length > 60) c.points.shift();
  c.out.textContent = c.format(value);
  c.out.dataset.value = String(value);
  const g = c.canvas.getContext('2d');
  const { width, height } = c.canvas;
  g.clearRect(0, 0, width, height);
  const max = Math.max(...c.points, 1e-9);
  g.strokeStyle = '#2b6';
  g.lineWidth = 2;
  g.beginPath();
  c.points.forEach((v, i) => {
    const x = (i / 59) * width;
    const y = height - 2 - (v / max) * (height - 4);
    i === 0 ? g.moveTo(x, y) : g.lineTo(x, y);
  });
  g.stroke();
}

export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

export const sum = (samples, name) => samples.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);

export function buckets(samples) {
  const byLe = new Map();
  for (const s of samples)
    if (s.name === 'kvstore_grpc_request_duration_seconds_bucket')
      byLe.set(s.labels.le, (byLe.get(s.labels.le) ?? 0) + s.value);
  return byLe;
}

export function percentile(now, before, p) {
  const rows = [...now].map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), n - (before?.get(le) ?? 0)]);
  rows.sort((a, b) => a[0] - b[0]);
  const total = rows.at(-1)?.[1] ?? 0;
  if (total <= 0) return 0;
  const rank = p * total;
  for (const [le, n] of rows) if (n >= rank) return Number.isFinite(le) ? le : (rows.at(-2)?.[0] ?? 0);
  return 0;
}

/** Marks a chart whose figure only an admin may read (its value stays empty, with a note instead). */
export function needsAdmin(id) {
  const c = charts[id];
  c.out.textContent = 'needs admin';
  c.out.className = 'needs-admin';
  delete c.out.dataset.value;
}
