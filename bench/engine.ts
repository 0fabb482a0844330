/**
 * Engine benchmark: the store as a library, no network. Prints one JSON line per figure.
 *
 *   npm run bench:engine                 # everything (about two minutes)
 *   npm run bench:engine -- --quick      # smaller key counts, for a smoke run
 *   npm run bench:engine -- --log postgres   # durable sets on the PostgreSQL log (127.0.0.1:5432, user
 *                                            # postgres, or KVSTORE_BENCH_PG as postgres://USER@HOST:PORT);
 *                                            # a database is made for each run and dropped after it
 *
 * Durable appends use the default durability (fsync: synchronous=FULL), so every acknowledged set is on
 * disk. Start-up figures come from a fresh process running the built code (bench/startup-probe.mjs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type LogUrl, parseLogUrl } from '../src/log/log-url.js';
import { KvStore } from '../src/store/kv-store.js';

const quick = process.argv.includes('--quick');
const seconds = quick ? 1 : 5;
const startupKeys = quick ? 100_000 : 1_000_000;

function emit(figure: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'engine', ...figure })}\n`);
}

function progress(message: string): void {
  process.stderr.write(`[bench:engine] ${message}\n`);
}

const logArgAt = process.argv.indexOf('--log');
const logBackend =
  (logArgAt >= 0 ? process.argv[logArgAt + 1] : undefined) ??
  process.argv.find((a) => a.startsWith('--log='))?.slice(6) ??
  'sqlite';
if (logBackend !== 'sqlite' && logBackend !== 'postgres')
  throw new Error(`--log ${logBackend}: this benchmark runs on sqlite (default) or postgres`);
const pgServer = (process.env.KVSTORE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/$/, '');

/** The log for one store: SQLite in its data dir, or a PostgreSQL database made for it (dropped after). */
async function benchLog(): Promise<{ log?: LogUrl; drop: () => Promise<void> }> {
  if (logBackend === 'sqlite') return { drop: async () => {} };
  const name = `kvstore_bench_${process.pid}_${Date.now()}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: `${pgServer}/postgres` });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return {
    log: parseLogUrl(`${pgServer}/${name}`),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function withStore<T>(fn: (store: KvStore, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kvstore-bench-'));
  const { log, drop } = await benchLog();
  const store = await KvStore.open({
    dataDir: dir,
    checkpoint: { everyRevisions: 0, intervalMs: 0 },
    ...(log ? { log } : {}),
  });
  try {
    return await fn(store, dir);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    await drop();
  }
}

async function durableSets(writers: number): Promise<void> {
  await withStore(async (store) => {
    const value = Buffer.alloc(100, 7);
    let ops = 0;
    const until = performance.now() + seconds * 1000;
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; performance.now() < until; i++) {
          const t0 = performance.now();
          await store.set(`bench/${w}/${i % 1000}`, value);
          latencies.push(performance.now() - t0);
          ops++;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    emit({
      figure: 'durable_sets_per_s',
      log: logBackend,
      writers,
      value_bytes: 100,
      ops_per_s: Math.round(ops / seconds),
      p50_ms: round(latencies[Math.floor(latencies.length * 0.5)]!),
      p99_ms: round(latencies[Math.floor(latencies.length * 0.99)]!),
    });
  });
}

async function reads(): Promise<void> {
  await withStore(async (store) => {
    const keys = 100_000;
    const value = Buffer.alloc(100, 7);
    for (let i = 0; i < keys; i += 256) {
      await Promise.all(Array.from({ length: 256 }, (_, j) => store.set(key(i + j), value)));
    }
    let ops = 0;
    let t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      for (let i = 0; i < 1000; i++) store.get(key((ops + i * 7919) % keys));
      ops += 1000;
    }
    emit({ figure: 'gets_per_s', keys, ops_per_s: Math.round((ops * 1000) / (performance.now() - t0)) });

    ops = 0;
    t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      for (let i = 0; i < 100; i++) {
        const start = key((ops * 131) % (keys - 200));
        store.list({ span: { kind: 'range', start, end: null }, limit: 100 });
        ops++;
      }
    }
    emit({ figure: 'list_100_per_s', keys, ops_per_s: Math.round((ops * 1000) / (performance.now() - t0)) });
  });
}

function key(i: number): string {
  return `bench/key-${String(i).padStart(8, '0')}`;
}

async function startup(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kvstore-bench-startup-'));
  try {
    progress(`writing ${startupKeys} keys of 100 bytes`);
    const store = await KvStore.open({ dataDir: dir, checkpoint: { everyRevisions: 0, intervalMs: 0 } });
    const value = Buffer.alloc(100, 7);
    const t0 = performance.now();
    for (let i = 0; i < startupKeys; i += 512) {
      await Promise.all(
        Array.from({ length: Math.min(512, startupKeys - i) }, (_, j) => store.set(key(i + j), value)),
      );
      if (i % 100_000 === 0 && i > 0) progress(`${i} keys written`);
    }
    progress(`wrote ${startupKeys} keys in ${Math.round(performance.now() - t0)} ms; writing checkpoint`);
    await store.close();

    // The first start after the writes verifies their history; a second start is the steady-state restart.
    emit({ figure: 'startup', from: 'checkpoint', keys: startupKeys, ...probe(dir) });
    emit({ figure: 'startup', from: 'checkpoint_restart', keys: startupKeys, ...probe(dir, '--background') });
    for (const name of await readdir(join(dir, 'checkpoints'))) await rm(join(dir, 'checkpoints', name));
    emit({ figure: 'startup', from: 'full_replay', keys: startupKeys, ...probe(dir) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Opens the store in a fresh process and returns its start-up time and RSS (see startup-probe.mjs for flags). */
function probe(dir: string, ...flags: string[]): Record<string, unknown> {
  const result = spawnSync(process.execPath, ['bench/startup-probe.mjs', dir, ...flags], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`startup probe failed: ${result.status}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
if (!only || only === 'sets') for (const writers of [1, 16, 256]) await durableSets(writers);
// Reads and start-up are served from memory and the data directory: the same on every log backend.
if (logBackend === 'sqlite') {
  if (!only || only === 'reads') await reads();
  if (!only || only === 'startup') await startup();
}
