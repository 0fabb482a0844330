import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkLeaseAcrossNodes } from '../helpers/etcd-leases.js';
import { type KvCluster, kvCluster } from '../helpers/kv-cluster.js';
import { type NatsServer, natsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp-dir.js';

/* etcd leases on two kvstore nodes sharing one JetStream log (see checkLeaseAcrossNodes). */

let nats: NatsServer;
let cluster: KvCluster;

beforeAll(async () => {
  nats = await natsServer(await tempDir('kvstore-lease-nats-'));
  await nats.start();
  cluster = await kvCluster(nats.url, 'LEASES1', 2, 1);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await nats?.stop();
});

describe('etcd leases on a JetStream cluster', () => {
  it('keep-alives on one node hold the lease on the other; its expiry is written once, seen by both', async () => {
    await checkLeaseAcrossNodes(cluster);
  }, 90_000);
});
