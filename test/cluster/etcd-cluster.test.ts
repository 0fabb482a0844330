import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl, etcdctlWatch } from '../etcd/etcd-process.js';
import { checkMembers } from '../helpers/etcd-members.js';
import { type KvCluster, kvCluster } from '../helpers/kv-cluster.js';
import { type NatsCluster, natsCluster } from '../helpers/nats-cluster.js';

/* The etcd API on a kvstore cluster (two nodes on one R3 JetStream log), driven by etcdctl 3.4. */

let nats: NatsCluster;
let natsDir: string;
let cluster: KvCluster;

beforeAll(async () => {
  natsDir = await mkdtemp(join(tmpdir(), 'kvstore-etcd-nats-'));
  nats = await natsCluster(natsDir);
  await nats.start();
  cluster = await kvCluster(nats.url, 'ETCD1', 2);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await nats?.stop();
  await rm(natsDir, { recursive: true, force: true });
});

describe('the etcd API on a JetStream cluster', () => {
  it('reads on one node what another wrote, watches across nodes, and names one cluster with two members', async () => {
    const [a, b] = cluster.nodes.map((n) => n.server.addr) as [string, string];
    const next = async () => {
      const r = await etcdctl(b, ['get', 'x', '-w', 'json']);
      return ((JSON.parse(r.stdout) as { header: { revision?: number } }).header.revision ?? 0) + 1;
    };
    const watch = etcdctlWatch(b, ['c/', '--prefix', `--rev=${await next()}`]);
    try {
      for (let i = 0; i < 5; i++) {
        expect((await etcdctl(a, ['put', `c/${i}`, `v${i}`])).stdout).toBe('OK\n');
        // Linearizable by default: node b answers after catching up with the write a acknowledged.
        expect((await etcdctl(b, ['get', `c/${i}`, '--print-value-only'])).stdout).toBe(`v${i}\n`);
      }
      const txn = await etcdctl(b, ['txn'], 'value("c/4") = "v4"\n\nput c/4 from-b\n\n\n');
      expect(txn.stdout).toBe('SUCCESS\n\nOK\n');
      const seen = await watch.waitForLines(18).catch((err: Error) => {
        throw new Error(`${err.message}\nstderr: ${watch.errors()}`);
      });
      expect(seen, watch.errors()).toBe(
        [...Array.from({ length: 5 }, (_, i) => ['PUT', `c/${i}`, `v${i}`]), ['PUT', 'c/4', 'from-b']]
          .flat()
          .map((l) => `${l}\n`)
          .join(''),
      );
    } finally {
      await watch.stop();
    }
    const status = async (addr: string) =>
      (
        JSON.parse((await etcdctl(addr, ['endpoint', 'status', '-w', 'json'])).stdout) as {
          Status: { header: { cluster_id: number; member_id: number; revision: number } };
        }[]
      )[0]!.Status.header;
    const [sa, sb] = [await status(a), await status(b)];
    expect(sa.cluster_id).toBe(sb.cluster_id);
    expect(sa.member_id).not.toBe(sb.member_id);
  }, 90_000);

  it('lists both nodes as members on each, and drops a node that stops (runs last: it stops one)', async () => {
    await checkMembers(cluster);
  }, 90_000);
});
