import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl, etcdctlWatch } from '../etcd/etcd-process.js';
import { grantAndPut } from '../helpers/etcd-leases.js';
import { type KvCluster, kvCluster } from '../helpers/kv-cluster.js';
import { type NatsCluster, natsCluster } from '../helpers/nats-cluster.js';

/*
 * An etcd lease through a NATS failover: two kvstore nodes on an R3 JetStream log of a 3-node NATS cluster.
 * While the stream's leader is killed and a new one elected (5-7 s here), keep-alives that must be logged
 * fail (UNAVAILABLE) and the client retries, as etcd clients do; the lease outlives the election because a
 * keep-alive lands before its deadline, and its keys stay. Revoking it afterwards deletes them in one
 * revision that both nodes' watchers see.
 */

let nats: NatsCluster;
let natsDir: string;
let cluster: KvCluster;

beforeAll(async () => {
  natsDir = await mkdtemp(join(tmpdir(), 'kvstore-lease-failover-'));
  nats = await natsCluster(natsDir);
  await nats.start();
  cluster = await kvCluster(nats.url, 'LEASEFO', 2);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await nats?.stop();
  await rm(natsDir, { recursive: true, force: true });
});

/** For a failure's message: the node's warnings and what its metrics say of its watches and revision. */
async function whereIs(i: number): Promise<string> {
  const server = cluster.nodes[i]!.server;
  const metrics = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)
    .then((r) => r.text())
    .catch((err: Error) => err.message);
  const lines = metrics.split('\n').filter((l) => /^kvstore_(watch|revision)/.test(l));
  const warnings = server.logs.filter((l) => Number(l.level) >= 40);
  return `metrics:\n${lines.join('\n')}\nwarnings: ${JSON.stringify(warnings)}`;
}

describe('an etcd lease through a NATS failover', () => {
  it('survives the stream leader being killed while kept alive, then its revoke deletes its keys once', async () => {
    const [a, b] = cluster.nodes.map((n) => n.server.addr) as [string, string];
    const { id, revision: from } = await grantAndPut(a, 20, 'fo/1');
    const watches = [a, b].map((addr) => etcdctlWatch(addr, ['fo/', '--prefix', `--rev=${from}`]));
    try {
      await nats.kill(await nats.streamLeader('LEASEFO'));
      // Keep-alives to node b for longer than the TTL, through the election: failures are retried.
      let kept = 0;
      let failed = 0;
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        const r = await etcdctl(b, ['lease', 'keep-alive', '--once', id]);
        if (r.stdout === `lease ${id} keepalived with TTL(20)\n`) kept++;
        else failed++;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      expect(kept, `${failed} keep-alives failed`).toBeGreaterThan(5);
      for (const node of [a, b]) {
        expect((await etcdctl(node, ['get', 'fo/1', '--print-value-only'])).stdout).toBe('v\n');
        const ttl = await etcdctl(node, ['lease', 'timetolive', id]);
        expect(ttl.stdout).toMatch(
          new RegExp(`^lease ${id} granted with TTL\\(20s\\), remaining\\(\\d+s\\)\\n$`),
        );
      }
      expect((await etcdctl(a, ['lease', 'revoke', id])).stdout).toBe(`lease ${id} revoked\n`);
      expect((await etcdctl(b, ['put', 'fo/after', 'x'])).stdout).toBe('OK\n');
      for (const [i, watch] of watches.entries()) {
        const seen = await watch.waitForLines(9, 20_000).catch(async (err: Error) => {
          throw new Error(`node ${i}: ${err.message}\nstderr: ${watch.errors()}\n${await whereIs(i)}`);
        });
        expect(seen).toBe('PUT\nfo/1\nv\nDELETE\nfo/1\n\nPUT\nfo/after\nx\n');
      }
    } finally {
      await Promise.all(watches.map((w) => w.stop()));
    }
  }, 120_000);
});
