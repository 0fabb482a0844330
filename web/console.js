// The kvstore console: plain browser JavaScript over the JSON API (/v1, docs/http.md); no framework, no CDN.
const base = new URL('../', location.href);
const api = (path) => new URL(`v1/${path}`, base).toString();
const keyPath = (key) => `kv/${key.split('/').map(encodeURIComponent).join('/')}`;
const $ = (id) => document.getElementById(id);

const state = { selected: null, loaded: null, dirty: false, history: null, open: new Set(['']), query: '' };

async function call(method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(api(path), init);
  const json = res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : null;
  return { status: res.status, json, headers: res.headers };
}

const show = (kv) => (kv.encoding === 'base64' ? kv.value : kv.value);
const describe = (kv) => (kv.encoding === 'base64' ? `${kv.value} (base64)` : kv.value);

// ---- the key tree -------------------------------------------------------------------------------------

async function loadTree() {
  const q = state.query;
  const keys = [];
  let token = '';
  for (let page = 0; page < 5; page++) {
    const params = new URLSearchParams({ keys_only: 'true', limit: '1000' });
    params.set(q.includes('*') ? 'pattern' : 'prefix', q);
    if (token) params.set('page_token', token);
    const { status, json } = await call('GET', `kv?${params}`);
    if (status !== 200) {
      $('tree-note').textContent = json?.message ?? `error ${status}`;
      return;
    }
    keys.push(...json.kvs.map((kv) => kv.key));
    if (!json.more) break;
    token = json.next_page_token;
  }
  $('tree-note').textContent = `${keys.length} key${keys.length === 1 ? '' : 's'}`;
  renderTree(keys);
}

function renderTree(keys) {
  const root = { dirs: new Map(), leaves: [] };
  for (const key of keys) {
    const parts = key.split('/');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      if (!node.dirs.has(part)) node.dirs.set(part, { dirs: new Map(), leaves: [] });
      node = node.dirs.get(part);
    }
    node.leaves.push(key);
  }
  const build = (node, path) => {
    const frag = document.createDocumentFragment();
    for (const [name, child] of node.dirs) {
      const dirPath = `${path}${name}/`;
      const details = document.createElement('details');
      details.open = state.open.has(dirPath) || state.query !== '';
      details.dataset.path = dirPath;
      details.addEventListener('toggle', () =>
        details.open ? state.open.add(dirPath) : state.open.delete(dirPath),
      );
      const summary = document.createElement('summary');
      summary.textContent = `${name}/`;
      details.append(summary, build(child, dirPath));
      frag.append(details);
    }
    for (const key of node.leaves) {
      const leaf = document.createElement('button');
      leaf.type = 'button';
      leaf.className = `leaf${key === state.selected ? ' selected' : ''}`;
      leaf.dataset.key = key;
      leaf.textContent = key.slice(path.length) || '(empty segment)';
      leaf.addEventListener('click', () => openKey(key));
      frag.append(leaf);
    }
    return frag;
  };
  $('tree').replaceChildren(build(root, ''));
}

/** Opens the folders on the way to `key`. */
function revealInTree(key) {
  const parts = key.split('/');
  for (let i = 1; i < parts.length; i++) state.open.add(`${parts.slice(0, i).join('/')}/`);
}

let treeTimer = null;
function refreshTreeSoon() {
  clearTimeout(treeTimer);
  treeTimer = setTimeout(loadTree, 300);
}

// ---- one key ------------------------------------------------------------------------------------------

function setMessage(text, kind = '') {
  $('message').textContent = text;
  $('message').className = kind;
}

function renderMeta(kv) {
  const rows = kv
    ? [
        ['version', kv.version],
        ['create_revision', kv.create_revision],
        ['mod_revision', kv.mod_revision],
        ['expires', kv.expires_at_ms ? new Date(kv.expires_at_ms).toISOString() : 'never'],
        ['encoding', kv.encoding ?? 'utf-8'],
      ]
    : [['state', 'new key']];
  $('meta').replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = String(v);
      dd.dataset.field = k;
      return [dt, dd];
    }),
  );
}

function editorFor(kv, key) {
  state.loaded = kv;
  state.dirty = false;
  $('editor-empty').hidden = true;
  $('key-form').hidden = false;
  $('conflict').hidden = true;
  $('key').value = key;
  $('key').readOnly = kv !== null;
  $('value').value = kv ? show(kv) : '';
  $('delete').disabled = kv === null;
  renderMeta(kv);
}

async function openKey(key) {
  state.selected = key;
  for (const el of document.querySelectorAll('#tree .leaf'))
    el.classList.toggle('selected', el.dataset.key === key);
  setMessage('');
  const { status, json } = await call('GET', keyPath(key));
  if (status === 404) {
    editorFor(null, key);
    setMessage('this key does not exist (any more)');
    watchHistory(null);
    return;
  }
  editorFor(json.kv, key);
  watchHistory(json.kv);
}

function newKey() {
  state.selected = null;
  editorFor(null, state.query.includes('*') ? '' : state.query);
  watchHistory(null);
  $('key').focus();
}

/** The key's history: a watch from its create revision (every change of this incarnation, then live). */
function watchHistory(kv) {
  state.history?.close();
  state.history = null;
  $('history').replaceChildren();
  if (!kv) return;
  const params = new URLSearchParams({ key: kv.key, from_revision: String(kv.create_revision) });
  const es = new EventSource(api(`watch?${params}`));
  es.onmessage = (m) => {
    for (const e of JSON.parse(m.data).events) {
      const li = document.createElement('li');
      li.textContent = `#${e.kv.mod_revision} ${e.type}${e.type === 'PUT' ? ` = ${describe(e.kv)}` : ''}`;
      $('history').prepend(li);
    }
  };
  es.addEventListener('compacted', () => {
    es.close();
    const li = document.createElement('li');
    li.textContent = 'older history compacted';
    $('history').append(li);
  });
  state.history = es;
}

function bodyOf(value) {
  const kv = state.loaded;
  const body = kv?.encoding === 'base64' ? { value, encoding: 'base64' } : { value };
  return body;
}

async function save(condition) {
  const key = $('key').value;
  if (key === '') return setMessage('key: give the key a name', 'error');
  const ttl = $('ttl').value.trim();
  const headers =
    condition ?? (state.loaded ? { 'if-match': `"${state.loaded.mod_revision}"` } : { 'if-none-match': '*' });
  const query = ttl ? `?ttl=${encodeURIComponent(ttl)}` : '';
  const mine = $('value').value;
  const res = await call('PUT', keyPath(key) + query, { body: bodyOf(mine), headers });
  if (res.status === 200) {
    state.selected = key;
    revealInTree(key);
    await openKey(key);
    setMessage(`saved at revision ${res.json.header.revision}`, 'ok');
    refreshTreeSoon();
    return;
  }
  if (res.status === 412) return showConflict(key, mine, res.json);
  setMessage(`${res.json?.code ?? res.status}: ${res.json?.message ?? ''}`, 'error');
}

async function showConflict(key, mine, error) {
  const current = await call('GET', keyPath(key));
  const theirs = current.status === 200 ? current.json.kv : null;
  $('conflict').hidden = false;
  $('conflict-text').textContent = theirs
    ? `the key changed since you loaded it (now mod_revision ${theirs.mod_revision}, version ${theirs.version})`
    : state.loaded
      ? 'the key was deleted since you loaded it'
      : 'the key exists already';
  $('conflict-mine').textContent = mine;
  $('conflict-theirs').textContent = theirs ? describe(theirs) : '(deleted)';
  setMessage(error.message, 'error');
  $('overwrite').onclick = () =>
    save(theirs ? { 'if-match': `"${theirs.mod_revision}"` } : { 'if-none-match': '*' });
  $('take-theirs').onclick = () => openKey(key);
}

async function remove() {
  const kv = state.loaded;
  if (!kv) return;
  const res = await call('DELETE', keyPath(kv.key), { headers: { 'if-match': `"${kv.mod_revision}"` } });
  if (res.status === 200) {
    setMessage(`deleted at revision ${res.json.header.revision}`, 'ok');
    editorFor(null, kv.key);
    watchHistory(null);
    refreshTreeSoon();
  } else if (res.status === 412) {
    showConflict(kv.key, '(delete)', res.json);
  } else setMessage(res.json?.message ?? `error ${res.status}`, 'error');
}

// ---- live events --------------------------------------------------------------------------------------

function followEvents() {
  const es = new EventSource(api('watch'));
  es.onopen = () => $('status').classList.add('live');
  es.onmessage = (m) => {
    const data = JSON.parse(m.data);
    for (const e of data.events) {
      const li = document.createElement('li');
      li.className = e.type.toLowerCase();
      li.dataset.key = e.kv.key;
      li.textContent = `#${data.revision} ${e.type} ${e.kv.key}${e.type === 'PUT' ? ` = ${describe(e.kv)}` : ''}`;
      $('events').prepend(li);
      // The open key follows changes made elsewhere, unless the user is editing it.
      if (e.kv.key === state.selected && !state.dirty) openKey(e.kv.key);
      if (e.type !== 'PUT' || e.kv.version === 1) refreshTreeSoon();
    }
    while ($('events').children.length > 200) $('events').lastChild.remove();
  };
}

// ---- charts from the server's own metrics -------------------------------------------------------------

const charts = {};
function chart(id, title, format) {
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

function push(id, value) {
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

function parseMetrics(text) {
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

const sum = (samples, name) => samples.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);

function buckets(samples) {
  const byLe = new Map();
  for (const s of samples)
    if (s.name === 'kvstore_grpc_request_duration_seconds_bucket')
      byLe.set(s.labels.le, (byLe.get(s.labels.le) ?? 0) + s.value);
  return byLe;
}

function percentile(now, before, p) {
  const rows = [...now].map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), n - (before?.get(le) ?? 0)]);
  rows.sort((a, b) => a[0] - b[0]);
  const total = rows.at(-1)?.[1] ?? 0;
  if (total <= 0) return 0;
  const rank = p * total;
  for (const [le, n] of rows) if (n >= rank) return Number.isFinite(le) ? le : (rows.at(-2)?.[0] ?? 0);
  return 0;
}

let previous = null;
async function poll() {
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
    const s = status.json;
    push('revision', s.header.revision);
    push('log', s.log_bytes);
    push('watchers', sum(samples, 'kvstore_watchers'));
    push('nats', sum(samples, 'kvstore_nats_publish_lag_revisions'));
    $('status').textContent =
      `revision ${s.header.revision} · ${s.keys} keys · ${s.backend.split(':')[0]} · v${s.version}`;
  } catch (err) {
    $('status').textContent = `cannot reach the server (${err.message})`;
  }
}

// ---- start --------------------------------------------------------------------------------------------

const num = (v) => (v >= 100 ? Math.round(v).toLocaleString() : v.toFixed(v >= 10 ? 1 : 2));
const bytes = (v) => (v >= 1048576 ? `${(v / 1048576).toFixed(1)} MiB` : `${(v / 1024).toFixed(1)} KiB`);
chart('ops', 'requests/s', num);
chart('p50', 'latency p50 (ms, bucket)', num);
chart('p99', 'latency p99 (ms, bucket)', num);
chart('revision', 'revision', (v) => String(v));
chart('log', 'log size', bytes);
chart('watchers', 'watchers', (v) => String(v));
chart('nats', 'NATS lag (revisions)', (v) => String(v));

$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  state.query = $('query').value;
  loadTree();
});
$('new-key').addEventListener('click', newKey);
$('value').addEventListener('input', () => (state.dirty = true));
$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  save();
});
$('delete').addEventListener('click', remove);

loadTree();
followEvents();
poll();
setInterval(poll, 1000);
