/**
 * One measured run for capacity planning (`kvstore plan`): a fresh server is loaded with `keys` keys of
 * `valueBytes` (bulk, SetMany in batches, as `kvstore import` does), then `writes` single Sets overwrite
 * them; it is stopped (a checkpoint is written at shutdown) and started again on the same directory.
 * Measured: the log's size, the checkpoint file's size, start-up time (spawn to serving) and RSS once
 * serving. Used by bench/plan-costs.ts (which derives the per-key and per-event costs) and by the test
 * that checks `kvstore plan` against a real run.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer } from '../load/local-server.js';
import { connect } from '../src/client/index.js';

export interface PlanRun {
  readonly keys: number;
  readonly valueBytes: number;
  readonly keyBytes: number;
  readonly writes: number;
  readonly logBytes: number;
  readonly checkpointBytes: number;
  readonly startupMs: number;
  readonly rssBytes: number;
}

/** A key of exactly `keyBytes` bytes for index i. */
export function planKey(i: number, keyBytes: number): string {
  const tail = String(i);
  return `k${'0'.repeat(Math.max(0, keyBytes - 1 - tail.length))}${tail}`;
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

export async function measurePlanRun(
  keys: number,
  valueBytes: number,
  writes: number,
  keyBytes = 16,
): Promise<PlanRun> {
  // A directory of our own: servers started on it keep it when they stop.
  const dataDir = await mkdtemp(join(tmpdir(), 'kvstore-plan-'));
  const first = await startLocalServer({ durability: 'relaxed', dataDir });
  const value = Buffer.alloc(valueBytes, 'v');
  try {
    const client = connect({ endpoints: [first.addr] });
    try {
      const batch = Math.max(1, Math.min(500, Math.floor((2 * 1024 * 1024) / (valueBytes + keyBytes))));
      const loads: Promise<unknown>[] = [];
      for (let i = 0; i < keys; i += batch) {
        const items = [];
        for (let j = i; j < Math.min(keys, i + batch); j++) items.push({ key: planKey(j, keyBytes), value });
        loads.push(client.setMany(items));
        if (loads.length >= 8) await Promise.all(loads.splice(0));
      }
      await Promise.all(loads);
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < writes) {
            const i = next++;
            await client.set(planKey((i * 7919) % Math.max(1, keys), keyBytes), value);
          }
        }),
      );
    } finally {
      client.close();
    }
    await first.stop();
    const logBytes = (await stat(join(dataDir, 'log.sqlite'))).size;
    const checkpoints = join(dataDir, 'checkpoints');
    let checkpointBytes = 0;
    for (const name of await readdir(checkpoints)) {
      checkpointBytes = Math.max(checkpointBytes, (await stat(join(checkpoints, name))).size);
    }
    const t0 = performance.now();
    const second = await startLocalServer({ durability: 'relaxed', dataDir });
    const startupMs = performance.now() - t0;
    const rssBytes = await rssOf(second.pid);
    await second.stop();
    return { keys, valueBytes, keyBytes, writes, logBytes, checkpointBytes, startupMs, rssBytes };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
