import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkLeaseAcrossNodes } from '../helpers/etcd-leases.js';
import { type KvCluster, kvClusterOn } from '../helpers/kv-cluster.js';
import { type TestDatabase, testDatabase } from '../helpers/postgres.js';

/* etcd leases on two kvstore nodes sharing one PostgreSQL log table (see checkLeaseAcrossNodes). */

let db: TestDatabase;
let cluster: KvCluster | null = null;

beforeAll(async () => {
  db = await testDatabase();
  cluster = await kvClusterOn(db.url('leases'), 2);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await db?.drop();
});

describe('etcd leases on a PostgreSQL cluster', () => {
  it('keep-alives on one node hold the lease on the other; its expiry is written once, seen by both', async () => {
    await checkLeaseAcrossNodes(cluster!);
  }, 90_000);
});
