/**
 * Cost of encryption at rest (docs/security.md), off against on, in one process: the codec alone (encode and
 * decode of one record), durable sets through the store (SQLite, fsync), a checkpoint of N keys, and the
 * start-up from that checkpoint and by replaying the whole log. Runs alternate off, on, off, on, ... and each figure is the median of its
 * runs, so a change in the machine's load hits both sides alike. Prints one JSON line per figure.
 *
 *   npx tsx bench/encryption.ts            # about a minute
 *   npx tsx bench/encryption.ts --quick    # a smoke run
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecord, encodeRecord } from '../src/log/codec.js';
import { KeyRing, useKeyRing } from '../src/log/encryption.js';
import { KvStore } from '../src/store/kv-store.js';

const quick = process.argv.includes('--quick');
const rounds = quick ? 1 : 3;
const setSeconds = quick ? 1 : 3;
const keys = quick ? 20_000 : 100_000;
const ring = new KeyRing([{ id: 'bench', key: randomBytes(32) }], 'bench');

type Mode = 'off' | 'on';
const results = new Map<string, number[]>();

function record(name: string, mode: Mode, value: number): void {
  const k = `${name}|${mode}`;
  results.set(k, [...(results.get(k) ?? []), value]);
}

function codec(mode: Mode): void {
  const events = [
    {
      type: 'put' as const,
      key: 'bench/key-00000001',
      value: Buffer.alloc(100, 7),
      expiresAt: 0,
      createRevision: 1,
      version: 1,
      prevRevision: 0,
    },
  ];
  const n = quick ? 20_000 : 100_000;
  let t0 = performance.now();
  let payload: Uint8Array = Buffer.alloc(0);
  for (let i = 1; i <= n; i++) payload = encodeRecord(i, 0, events);
  record('encode_us_per_record', mode, ((performance.now() - t0) * 1000) / n);
  payload = encodeRecord(7, 0, events);
  t0 = performance.now();
  for (let i = 0; i < n; i++) decodeRecord(7, payload);
  record('decode_us_per_record', mode, ((performance.now() - t0) * 1000) / n);
}

async function withStore<T>(fn: (store: KvStore, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kvstore-bench-enc-'));
  const store = await KvStore.open({ dataDir: dir, checkpoint: { everyRevisions: 0, intervalMs: 0 } });
  try {
    return await fn(store, dir);
  } finally {
    await store.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

async function durableSets(mode: Mode, writers: number): Promise<void> {
  await withStore(async (store) => {
    const value = Buffer.alloc(100, 7);
    let ops = 0;
    const until = performance.now() + setSeconds * 1000;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; performance.now() < until; i++) {
          await store.set(`bench/${w}/${i % 1000}`, value);
          ops++;
        }
      }),
    );
    record(`durable_sets_per_s_${writers}_writers`, mode, ops / setSeconds);
  });
}

/** A store of `keys` keys: the checkpoint written at close, then a start-up that replays the whole log. */
async function checkpointAndReplay(mode: Mode): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kvstore-bench-enc-'));
  try {
    const store = await KvStore.open({
      dataDir: dir,
      durability: 'relaxed',
      checkpoint: { everyRevisions: 0, intervalMs: 0 },
    });
    const value = Buffer.alloc(100, 7);
    for (let i = 0; i < keys; i += 500) {
      await store.setMany(
        Array.from({ length: 500 }, (_, j) => ({
          key: `bench/key-${String(i + j).padStart(8, '0')}`,
          value,
        })),
      );
    }
    let t0 = performance.now();
    await store.checkpoint();
    record(`checkpoint_ms_${keys}_keys`, mode, performance.now() - t0);
    await store.close();
    t0 = performance.now();
    const reopened = await KvStore.open({ dataDir: dir, durability: 'relaxed' });
    record(`start_from_checkpoint_ms_${keys}_keys`, mode, performance.now() - t0);
    await reopened.close();
    // Without checkpoints, start-up replays (and opens) every record of the log.
    await rm(join(dir, 'checkpoints'), { recursive: true, force: true });
    t0 = performance.now();
    const replayed = await KvStore.open({ dataDir: dir, durability: 'relaxed' });
    record(`start_by_replay_ms_${keys}_keys`, mode, performance.now() - t0);
    await replayed.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['off', 'on'] as const) {
      useKeyRing(mode === 'on' ? ring : null);
      process.stderr.write(`[bench:encryption] round ${r + 1}/${rounds}, encryption ${mode}\n`);
      codec(mode);
      await durableSets(mode, 1);
      await durableSets(mode, 64);
      await checkpointAndReplay(mode);
    }
  }
  useKeyRing(null);
  const names = [...new Set([...results.keys()].map((k) => k.split('|')[0]!))];
  for (const name of names) {
    const off = median(results.get(`${name}|off`)!);
    const on = median(results.get(`${name}|on`)!);
    process.stdout.write(
      `${JSON.stringify({ bench: 'encryption', figure: name, off: round(off), on: round(on), on_vs_off: round(on / off), runs: rounds })}\n`,
    );
  }
  process.stdout.write(
    `${JSON.stringify({ bench: 'encryption', load_average_1m: [round(loadBefore), round(loadavg()[0]!)] })}\n`,
  );
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

await main();
