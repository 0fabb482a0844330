import { Metadata } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allApplied, cas, get, hashKv, type KvCluster, kvClusterOn, set } from '../helpers/kv-cluster.js';
import { checkLinearizable, type RegisterOp } from '../helpers/linearizability.js';
import { landedWrites, settleOutcomes } from '../helpers/log-outcomes.js';
import { type TestDatabase, testDatabase } from '../helpers/postgres.js';
import { unaryCall } from '../helpers/server-process.js';
import { recordWatch } from '../helpers/watch-client.js';

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
  it('applies compare-and-set increments from 3 nodes x 8 clients exactly', async () => {
    const c = await startNodes();
    await set(c.nodes[0]!, 'counter', '0');
    const perClient = 6;
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: 24 }, async (_, client) => {
        const n = node(c, client);
        for (let done = 0; done < perClient; ) {
          const current = (await get(n, 'counter'))!;
          const result = await cas(n, 'counter', String(Number(current.value) + 1), current.modRevision);
          if (result.ok) done++;
          else conflicts++;
        }
      }),
    );
    // Linearizable gets on every node see the final count.
    for (const n of c.nodes) expect((await get(n, 'counter'))!.value).toBe(String(24 * perClient));
    expect(conflicts).toBeGreaterThan(0);
  }, 120_000);

  it('shows a watcher on node C every write made through A and B, once each, in revision order', async () => {
    const c = await startNodes();
    const from = (await set(c.nodes[0]!, 'before', 'x')) + 1;
    const watch = recordWatch(c.nodes[2]!.kv, { prefix: 'w/', start_revision: from });
    try {
      const written = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          set(node(c, i % 2), `w/${i}`, `v${i}`).then((revision) => ({ i, revision })),
        ),
      );
      const events = () => watch.messages.flatMap((m) => m.events);
      await watch.until(() => events().length >= 60);
      const seen = events().map((e) => ({ key: e.kv!.key, revision: Number(e.kv!.mod_revision) }));
      expect(seen).toHaveLength(60);
      const revisions = seen.map((s) => s.revision);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      expect(new Set(revisions).size).toBe(60);
      expect(new Map(seen.map((s) => [s.key, s.revision]))).toEqual(
        new Map(written.map((w) => [`w/${w.i}`, w.revision])),
      );
    } finally {
      watch.cancel();
    }
  }, 120_000);

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

  it('writes each TTL expiry once, whichever node gets there first', async () => {
    const c = await startNodes();
    const from = await set(c.nodes[0]!, 'start', 'x');
    for (let i = 0; i < 20; i++) {
      await unaryCall((cb) =>
        node(c, i).kv.Set(
          { key: `ttl/${i}`, value: Buffer.from('x'), ttl_ms: 300 },
          new Metadata(),
          { deadline: new Date(Date.now() + 20_000) },
          cb,
        ),
      );
    }
    const watch = recordWatch(c.nodes[1]!.kv, { prefix: 'ttl/', start_revision: from });
    try {
      const expiries = () => watch.messages.flatMap((m) => m.events).filter((e) => e.type === 'EXPIRE');
      await watch.until(() => expiries().length >= 20, 30_000);
      // Every node's sweeper has run by the time a later write is applied everywhere.
      const settled = await set(c.nodes[2]!, 'ttl-done', 'x');
      await allApplied(c, settled);
      const keys = expiries().map((e) => e.kv!.key);
      // On failure, say what the watch saw (key, type, revision of each event).
      const seen = watch.messages
        .flatMap((m) => m.events)
        .map((e) => `${e.kv?.key} ${e.type} @${e.kv?.mod_revision}`)
        .join('\n');
      expect(keys, seen).toHaveLength(20);
      expect(new Set(keys).size, seen).toBe(20);
    } finally {
      watch.cancel();
    }
  }, 120_000);

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
