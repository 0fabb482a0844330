import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sharedClusterTests } from '../helpers/cluster-behaviour.js';
import { allApplied, cas, get, hashKv, type KvCluster, kvClusterOn, set } from '../helpers/kv-cluster.js';
import { checkLinearizable, type RegisterOp } from '../helpers/linearizability.js';
import { landedWrites, settleOutcomes } from '../helpers/log-outcomes.js';
import { type TestDatabase, testDatabase } from '../helpers/postgres.js';

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
    const keys = ['x', 'y', 'z'];
    const ops: RegisterOp[] = [];
    let stop = false;
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const answered = () => ops.filter((o) => o.ret !== undefined).length;
    const giveUpAt = Date.now() + 100_000;
    // Clients talk to nodes 0 and 2 (node 1 is the one killed); node 1 still writes while it lives.
    const clientsDone = Array.from({ length: 9 }, async (_, w) => {
      for (let i = 0; !stop && ops.length < 3_000 && Date.now() < giveUpAt; i++) {
        const n = node(c, w);
        const key = keys[(w + i) % keys.length]!;
        const invoke = now();
        const pick = (w * 31 + i) % 3;
        try {
          if (pick === 0) {
            const got = await get(n, key, { ms: 10_000 });
            ops.push({
              kind: 'get',
              key,
              invoke,
              ret: now(),
              value: got?.value ?? null,
              modRevision: got?.modRevision ?? 0,
            });
          } else if (pick === 1) {
            const value = `${w}-${i}`;
            const revision = await set(n, key, value, 10_000);
            ops.push({ kind: 'set', key, invoke, ret: now(), value, revision });
          } else {
            const current = await get(n, key, { serializable: true });
            const expected = current?.modRevision ?? 0;
            const value = `${w}-${i}c`;
            const casInvoke = now();
            try {
              const r = await cas(n, key, value, expected, 10_000);
              ops.push({
                kind: 'cas',
                key,
                invoke: casInvoke,
                ret: now(),
                value,
                expect: { modRevision: expected },
                succeeded: r.ok,
                ...(r.ok ? { revision: r.revision } : {}),
              });
            } catch {
              ops.push({ kind: 'cas', key, invoke: casInvoke, value, expect: { modRevision: expected } });
            }
          }
        } catch {
          // Unknown outcome (the node was killed, or its database session was).
          if (pick === 1) ops.push({ kind: 'set', key, invoke, value: `${w}-${i}` });
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    });
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
      stop = true;
      await Promise.all(clientsDone);
    }
    await c.stop();
    const { ops: settled, broken } = settleOutcomes(ops, await landedWrites(c.logUrl, c.nodes[0]!.dataDir));
    expect(broken).toEqual([]);
    const verdict = checkLinearizable(settled, { budgetMs: 30_000 });
    expect(verdict, verdict.explanation).toMatchObject({ ok: true });
    expect(answered()).toBeGreaterThan(600);
  }, 240_000);
});
