/**
 * Backup and restore benchmark: the product as an operator runs it (bin/kvstore serve, kvstore backup,
 * kvstore restore, each a process of its own). Prints one JSON line per figure.
 *
 *   npm run bench:backup                  # 1,000,000 events (about a minute to write them first)
 *   npm run bench:backup -- --events=100000
 *
 * The source store gets N puts of 100-byte values over N/10 keys (so the history is ten times the state),
 * written with `relaxed` durability to get there quickly. Then, from a running server:
 *   - a full backup (the state: N/10 keys),
 *   - an incremental backup from revision 1 (the whole history: N events),
 * and offline, into fresh data directories:
 *   - a restore of the history (N events replayed, checked and written), which must take under 10 s for
 *     1,000,000 events,
 *   - a restore of the full backup.
 * Every restored directory is opened by a server whose HashKV must equal the source's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer } from '../load/local-server.js';
import { KvStore } from '../src/store/kv-store.js';

const events = Number(process.argv.find((a) => a.startsWith('--events='))?.slice(9) ?? 1_000_000);
const keys = Math.max(1, Math.floor(events / 10));

function emit(figure: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'backup', ...figure })}\n`);
}

function progress(message: string): void {
  process.stderr.write(`[bench:backup] ${message}\n`);
}

/** Runs `bin/kvstore ARGS --json`; returns its JSON result and wall time. */
function cli(args: string[], addr?: string): { result: Record<string, unknown>; seconds: number } {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['bin/kvstore', ...args, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, ...(addr ? { KVSTORE_ADDR: addr } : {}) },
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`kvstore ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return { result: JSON.parse(run.stdout.trim().split('\n').at(-1)!), seconds };
}

async function writeSource(dir: string): Promise<void> {
  progress(`writing ${events} events (puts of 100 bytes over ${keys} keys)`);
  const store = await KvStore.open({
    dataDir: dir,
    durability: 'relaxed',
    checkpoint: { everyRevisions: 0, intervalMs: 0 },
  });
  const value = Buffer.alloc(100, 0x61);
  const started = performance.now();
  for (let i = 0; i < events; i += 512) {
    const n = Math.min(512, events - i);
    await Promise.all(
      Array.from({ length: n }, (_, j) =>
        store.set(`bench/${String((i + j) % keys).padStart(8, '0')}`, value),
      ),
    );
    if (i % 200_000 === 0 && i > 0) progress(`${i} events written`);
  }
  progress(`wrote ${events} events in ${Math.round(performance.now() - started)} ms`);
  await store.close();
}

const root = await mkdtemp(join(tmpdir(), 'kvstore-bench-backup-'));
try {
  const source = join(root, 'source');
  await writeSource(source);
  const server = await startLocalServer({ dataDir: source });
  const full = join(root, 'full.kvb');
  const history = join(root, 'history.kvb');
  let sourceHash: Record<string, unknown>;
  try {
    sourceHash = cli(['hash'], server.addr).result;
    const f = cli(['backup', '--out', full], server.addr);
    emit({
      figure: 'backup_full',
      keys: f.result.items,
      bytes: (await stat(full)).size,
      seconds: round(f.seconds),
      items_per_s: Math.round(Number(f.result.items) / f.seconds),
    });
    const h = cli(['backup', '--out', history, '--from-revision', '1'], server.addr);
    emit({
      figure: 'backup_history',
      events: h.result.items,
      bytes: (await stat(history)).size,
      seconds: round(h.seconds),
      events_per_s: Math.round(Number(h.result.items) / h.seconds),
    });
  } finally {
    await server.stop();
  }

  for (const [figure, input] of [
    ['restore_history', history],
    ['restore_full', full],
  ] as const) {
    const target = join(root, figure);
    const r = cli(['restore', '--in', input, '--data-dir', target]);
    if (r.result.hash !== sourceHash.hash)
      throw new Error(`${figure}: hash ${r.result.hash} != ${sourceHash.hash}`);
    const restored = await startLocalServer({ dataDir: target });
    const check = cli(['hash'], restored.addr).result;
    await restored.stop();
    if (check.hash !== sourceHash.hash) throw new Error(`${figure}: restored server hashes ${check.hash}`);
    emit({
      figure,
      events: r.result.records,
      items: r.result.items,
      keys: r.result.keys,
      seconds: round(r.seconds),
      items_per_s: Math.round(Number(r.result.items) / r.seconds),
      hash_matches: true,
    });
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

function round(s: number): number {
  return Math.round(s * 100) / 100;
}
