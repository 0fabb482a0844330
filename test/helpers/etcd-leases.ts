import { expect } from 'vitest';
import { etcdctl, etcdctlWatch } from '../etcd/etcd-process.js';
import type { KvCluster } from './kv-cluster.js';

/** Grants a lease of `ttlSeconds` on `addr` with etcdctl and puts `key` = "v" under it: its id and revision. */
export async function grantAndPut(
  addr: string,
  ttlSeconds: number,
  key: string,
): Promise<{ id: string; revision: number }> {
  const grant = await etcdctl(addr, ['lease', 'grant', String(ttlSeconds)]);
  const id = /^lease ([0-9a-f]+) granted/m.exec(grant.stdout)?.[1];
  if (id === undefined) throw new Error(`lease grant printed no id: ${grant.stdout}${grant.stderr}`);
  const put = await etcdctl(addr, ['put', `--lease=${id}`, key, 'v', '-w', 'json']);
  const revision = (JSON.parse(put.stdout) as { header: { revision: number } }).header.revision;
  return { id, revision };
}

/**
 * etcd leases on two kvstore nodes sharing one log: every node sweeps, so a keep-alive sent to one node must
 * hold the lease on the other too (it is logged as a renewal on a shared log), and an expiry both nodes see
 * due is written once. Grants on the first node, keeps alive on the second, then lets it expire.
 */
export async function checkLeaseAcrossNodes(cluster: KvCluster): Promise<void> {
  const [a, b] = cluster.nodes.map((n) => n.server.addr) as [string, string];
  const { id, revision: from } = await grantAndPut(a, 3, 'lk/1');
  const watch = etcdctlWatch(b, ['lk/', '--prefix', `--rev=${from}`]);
  try {
    // Keep-alives to node b only, for three times the TTL: node a (which granted it) must not expire it.
    const until = Date.now() + 9_000;
    while (Date.now() < until) {
      const kept = await etcdctl(b, ['lease', 'keep-alive', '--once', id]);
      expect(kept.stdout).toBe(`lease ${id} keepalived with TTL(3)\n`);
      expect((await etcdctl(a, ['get', 'lk/1', '--print-value-only'])).stdout).toBe('v\n');
      await new Promise((resolve) => setTimeout(resolve, 1000)); // a client's keep-alive cadence (TTL/3)
    }
    // Without keep-alives it expires, on both nodes.
    await watch.waitForLines(6, 20_000);
    for (const node of [a, b]) {
      const ttl = await etcdctl(node, ['lease', 'timetolive', id]);
      expect(ttl.stdout).toBe(`lease ${id} already expired\n`);
      expect((await etcdctl(node, ['get', 'lk/', '--prefix'])).stdout).toBe('');
    }
    // Once, whichever node's sweeper wrote it: a second DELETE would come before this put.
    expect((await etcdctl(b, ['put', 'lk/after', 'x'])).stdout).toBe('OK\n');
    expect(await watch.waitForLines(9, 20_000)).toBe('PUT\nlk/1\nv\nDELETE\nlk/1\n\nPUT\nlk/after\nx\n');
  } finally {
    await watch.stop();
  }
}
