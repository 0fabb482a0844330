// The kvstore console: plain browser JavaScript over the JSON API (/v1, docs/http.md); no framework, no CDN.

import { api, call, errorText } from './api.js';
import { authHeaders, credential, showLogin, showSignOut, showWhoAmI, signOut } from './auth.js';
import { followSse } from './sse.js';
import { downloadBackup, poll, setUpCharts } from './status.js';

const keyPath = (key) => `kv/${key.split('/').map(encodeURIComponent).join('/')}`;
const $ = (id) => document.getElementById(id);

// The last prefix or glob browsed (this tab): a principal that may not read everything starts where it was.
const PREFIX = 'kvstore.prefix';
const state = {
  selected: null,
  loaded: null,
  dirty: false,
  /** Inputs in the value field so far: tells an answer that arrives after the user started typing. */
  edits: 0,
  history: null,
  open: new Set(['']),
  query: sessionStorage.getItem(PREFIX) ?? '',
  live: null,
  liveRefused: false,
};

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
      $('tree-note').textContent =
        status === 403
          ? `${errorText(status, json)}. Enter a prefix you may read (e.g. app/) above.`
          : errorText(status, json);
      $('tree-note').className = 'note error';
      $('tree').replaceChildren();
      if (status === 403) $('query').focus();
      return;
    }
    keys.push(...json.kvs.map((kv) => kv.key));
    if (!json.more) break;
    token = json.next_page_token;
  }
  $('tree-note').textContent = `${keys.length} key${keys.length === 1 ? '' : 's'}`;
  $('tree-note').className = 'note';
  sessionStorage.setItem(PREFIX, q);
  // The live pane was refused the whole store: follow what this principal may browse instead.
  if (state.liveRefused) followEvents(q);
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

/** Shows `kv` (null: a new key) in the editor; `typed`: what the user typed meanwhile, kept as their edit. */
function editorFor(kv, key, typed) {
  state.loaded = kv;
  state.dirty = typed !== undefined;
  $('editor-empty').hidden = true;
  $('key-form').hidden = false;
  $('conflict').hidden = true;
  $('key').value = key;
  $('key').readOnly = kv !== null;
  $('value').value = typed ?? (kv ? show(kv) : '');
  $('delete').disabled = kv === null;
  renderMeta(kv);
}

/**
 * Shows `key` in the editor. What the user types while the key loads is kept as their edit of what loaded
 * (a fast typist loses nothing). With `follow` (a live change to the open key) the answer is dropped when the
 * user is editing: it must not replace their text, and their save then meets the change as a conflict.
 */
async function openKey(key, { follow = false } = {}) {
  state.selected = key;
  for (const el of document.querySelectorAll('#tree .leaf'))
    el.classList.toggle('selected', el.dataset.key === key);
  if (!follow) setMessage('');
  const edits = state.edits;
  const { status, json } = await call('GET', keyPath(key));
  const typed = state.edits !== edits ? $('value').value : undefined;
  if (state.selected !== key || (follow && (state.dirty || typed !== undefined))) return;
  if (status === 404) {
    editorFor(null, key, typed);
    setMessage('this key does not exist (any more)');
    watchHistory(null);
    return;
  }
  if (status !== 200) {
    editorFor(null, key, typed);
    setMessage(errorText(status, json), 'error');
    watchHistory(null);
    return;
  }
  editorFor(json.kv, key, typed);
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
  const note = (text) => {
    const li = document.createElement('li');
    li.textContent = text;
    $('history').append(li);
  };
  const stream = followSse(api(`watch?${params}`), authHeaders, {
    onMessage(data) {
      for (const e of JSON.parse(data).events) {
        const li = document.createElement('li');
        li.textContent = `#${e.kv.mod_revision} ${e.type}${e.type === 'PUT' ? ` = ${describe(e.kv)}` : ''}`;
        $('history').prepend(li);
      }
    },
    onEvent(name) {
      if (name !== 'compacted') return;
      stream.close();
      note('older history compacted');
    },
    onRefused: (status, json) => refused(status, json, note),
  });
  state.history = stream;
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
  setMessage(errorText(res.status, res.json), 'error');
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
  } else setMessage(errorText(res.status, res.json), 'error');
}

// ---- live events --------------------------------------------------------------------------------------

/** A stream's refusal: a 401 ends the session (see call); anything else is shown by `report`. */
function refused(status, json, report) {
  if (status === 401 && credential() !== null) signOut(errorText(status, json));
  else report(errorText(status, json));
}

/** Follows every change under `scope` (a prefix, or a glob): all keys unless the principal may not. */
function followEvents(scope = '', note = '') {
  state.live?.close();
  state.liveRefused = false;
  const params = new URLSearchParams();
  if (scope !== '') params.set(scope.includes('*') ? 'pattern' : 'prefix', scope);
  $('live-note').textContent = [scope === '' ? '' : `following ${scope}`, note].filter(Boolean).join('; ');
  $('live-note').className = 'note';
  state.live = followSse(api(`watch?${params}`), authHeaders, {
    onOpen: () => $('status').classList.add('live'),
    onMessage: showEvents,
    // Away so long that the changes since are compacted: start again from now, and say so.
    onEvent: (name) => name === 'compacted' && followEvents(scope, 'older events were compacted while away'),
    onRefused: (status, json) =>
      refused(status, json, (text) => {
        state.liveRefused = status === 403;
        $('live-note').textContent =
          status === 403 ? `${text}. Events follow the prefix you browse once it is readable.` : text;
        $('live-note').className = 'note error';
      }),
  });
}

function showEvents(text) {
  const data = JSON.parse(text);
  for (const e of data.events) {
    const li = document.createElement('li');
    li.className = e.type.toLowerCase();
    li.dataset.key = e.kv.key;
    li.textContent = `#${data.revision} ${e.type} ${e.kv.key}${e.type === 'PUT' ? ` = ${describe(e.kv)}` : ''}`;
    $('events').prepend(li);
    // The open key follows changes made elsewhere, unless the user is editing it.
    if (e.kv.key === state.selected && !state.dirty) openKey(e.kv.key, { follow: true });
    if (e.type !== 'PUT' || e.kv.version === 1) refreshTreeSoon();
  }
  while ($('events').children.length > 200) $('events').lastChild.remove();
}

$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  state.query = $('query').value;
  loadTree();
});
$('new-key').addEventListener('click', newKey);
$('value').addEventListener('input', () => {
  state.dirty = true;
  state.edits++;
});
$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  save();
});
$('delete').addEventListener('click', remove);
$('backup').addEventListener('click', downloadBackup);
setUpCharts();

/** The console proper, once /v1 accepts this tab's credential (or needs none). */
function start() {
  showSignOut();
  showWhoAmI(call);
  $('query').value = state.query;
  loadTree();
  followEvents();
  poll();
  setInterval(poll, 1000);
}

/** The first request says whether this tab needs to sign in; a server not reachable yet is asked again. */
async function firstStatus() {
  for (;;) {
    try {
      return await call('GET', 'status');
    } catch (err) {
      $('status').textContent = `cannot reach the server (${err.message}); retrying`;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

const first = await firstStatus();
if (first.status === 401) {
  // Tried without the session's header, so a refusal stays on the login screen.
  const probe = async (c) => {
    const res = await fetch(api('status'), { headers: { authorization: `Bearer ${c}` } });
    return { status: res.status, json: await res.json().catch(() => null) };
  };
  showLogin(errorText(first.status, first.json), probe, start);
} else start();
