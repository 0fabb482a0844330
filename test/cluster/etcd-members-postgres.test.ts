import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkMembers } from '../helpers/etcd-members.js';
import { type KvCluster, kvClusterOn } from '../helpers/kv-cluster.js';
import { type TestDatabase, testDatabase } from '../helpers/postgres.js';

/* etcd's MemberList on two kvstore nodes sharing one PostgreSQL log table (this machine's PostgreSQL). */

let db: TestDatabase;
let cluster: KvCluster | null = null;

beforeAll(async () => {
  db = await testDatabase();
  cluster = await kvClusterOn(db.url('members'), 2);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await db?.drop();
});

describe('the etcd API on a PostgreSQL cluster', () => {
  it('lists both nodes as members on each, and drops a node that stops', async () => {
    await checkMembers(cluster!);
  }, 90_000);
});
