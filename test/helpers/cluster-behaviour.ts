import { Metadata } from '@grpc/grpc-js';
import { expect, it } from 'vitest';
import { allApplied, cas, get, type KvCluster, set } from './kv-cluster.js';
import { unaryCall } from './server-process.js';
import { recordWatch } from './watch-client.js';

/** Node `i` of the cluster, cycling. */
const node = (c: KvCluster, i: number) => c.nodes[i % c.nodes.length]!;

/**
 * What every shared log must give a cluster of kvstore nodes, whatever the backend (JetStream, PostgreSQL):
 * exact compare-and-set across nodes, a watch on one node seeing every node's writes once and in order, and
 * each TTL expiry written once. Call inside a describe; `startNodes` starts three nodes on a fresh log.
 */
export function sharedClusterTests(startNodes: () => Promise<KvCluster>): void {
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
}
