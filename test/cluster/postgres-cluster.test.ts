import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sharedClusterTests } from '../helpers/cluster-behaviour.js';
import { allApplied, get, hashKv, type KvCluster, kvClusterOn, set } from '../helpers/kv-cluster.js';
import { type TestDatabase, testDatabase } from '../helpers/postgres.js';
import { expectLinearizable, startRegisterWorkload } from '../helpers/register-workload.js';

// This machine's PostgreSQL, a fresh database for the run (dropped after), and for each test three kvstore
// server processes on a log table of their own.
let db: TestDatabase;
let cluster: KvCluster | null = null;
let tables = 0;

beforeAll(async () => {
  db = await testDatabase();
});

afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

afterAll(async () => {
  await db?.drop();
});

async function startNodes(): Promise<KvCluster> {
  cluster = await kvClusterOn(db.url(`log${++tables}`), 3);
  return cluster;
}

/** Node `i` of the cluster, cycling. */
const node = (c: KvCluster, i: number) => c.nodes[i % c.nodes.length]!;

async function waitFor(condition: () => boolean, what: () => string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a kvstore cluster on one PostgreSQL log table', () => {
  sharedClusterTests(startNodes);

  it('loses no acknowledged write and applies none twice when a node is SIGKILLed during writes', async () => {
    const c = await startNodes();
    await set(c.nodes[0]!, 'warm', 'up');
    const acknowledged = new Map<string, number>();
    let failed = 0;
    let stop = false;
    const victim = 1;
    const giveUpAt = Date.now() + 60_000;
    const writers = Array.from({ length: 9 }, async (_, w) => {
      for (let i = 0; !stop && Date.now() < giveUpAt; i++) {
        const key = `k/${w}/${i}`;
        try {
          acknowledged.set(key, await set(node(c, w), key, `v${i}`, 5_000));
        } catch {
          failed++; // the killed node's writers: not acknowledged, may or may not be written
          if (w % 3 === victim) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    });
    try {
      await waitFor(
        () => acknowledged.size >= 300,
        () => `writes before the kill (${acknowledged.size})`,
      );
      const beforeKill = acknowledged.size;
      await c.nodes[victim]!.server.stop('SIGKILL');
      await waitFor(
        () => acknowledged.size >= beforeKill + 300,
        () =>
          `writes to go on after the kill (${beforeKill} before, ${acknowledged.size} now, ${failed} failed)`,
      );
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    // The killed node comes back on its data directory and catches up from the table.
    await c.restart(victim);
    const head = Math.max(...acknowledged.values());
    await allApplied(c, head);
    for (const n of c.nodes) {
      for (const [key, revision] of acknowledged) {
        const got = await get(n, key, { serializable: true });
        expect(got, `${key} on ${n.server.addr}`).not.toBeNull();
        expect(got!.version).toBe(1);
        expect(got!.modRevision).toBe(revision);
      }
    }
    const hashes = await Promise.all(c.nodes.map((n) => hashKv(n, head)));
    expect(new Set(hashes.map((h) => h.hash)).size).toBe(1);
    // The table holds every revision once, without a gap.
    const rows = await db.query<{ n: string; max: string }>(
      `SELECT count(*) AS n, max(revision) AS max FROM log${tables}`,
    );
    expect(Number(rows.rows[0]!.n)).toBe(Number(rows.rows[0]!.max));
  }, 180_000);

  it('keeps a history of gets, sets and compare-and-sets across nodes linearizable through node kills and lost database sessions', async () => {
    const c = await startNodes();
    // Node 1 is the one killed: its clients' ops fail (unknown outcomes) until it is back.
    const workload = startRegisterWorkload(c, { writeDeadlineMs: 10_000, maxOps: 3_000, giveUpMs: 100_000 });
    const answered = () => workload.answered();
    try {
      await waitFor(
        () => answered() >= 300,
        () => 'operations before the first fault',
      );
      for (let fault = 0; fault < 2; fault++) {
        const before = answered();
        // SIGKILL node 1 (it may hold the lock mid-commit), and cut every kvstore session to the database.
        await c.nodes[1]!.server.stop('SIGKILL');
        await db.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kvstore' " +
            'AND datname = current_database()',
        );
        await waitFor(
          () => answered() >= before + 300,
          () => `answered operations after fault ${fault + 1} (${before} before, ${answered()} now)`,
          60_000,
        );
        await c.restart(1);
      }
    } finally {
      await workload.stop();
    }
    await expectLinearizable(c, workload, 600);
  }, 240_000);
});
