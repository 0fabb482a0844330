/**
 * 3 kvstore nodes on one PostgreSQL log table (issue 17): a fresh database on the local PostgreSQL
 * (KVSTORE_BENCH_PG, default postgres://postgres@127.0.0.1:5432), then `bin/kvstore serve --log-url
 * postgres://.../DB` three times, each with its own data dir and free loopback ports. There is no kvstore
 * leader: a "leader kill" SIGKILLs node 1 (possibly inside a group commit, holding the log's lock); the
 * survivors are the other two. Server CPU sums the 3 nodes and the database's backend processes.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../load/ports.js';
import { connectTarget } from '../../load/targets/index.js';
import { type BenchCluster, type Killed, waitFor } from './bench-cluster.js';
import { ServerProcess } from './server-process.js';

const BIN = fileURLToPath(new URL('../../bin/kvstore', import.meta.url));
const SERVER = (process.env.KVSTORE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/$/, '');

async function sql<R extends pg.QueryResultRow>(database: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: `${SERVER}/${database}` });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Why the bench cannot reach PostgreSQL, or null when it can. */
export async function postgresClusterMissing(): Promise<string | null> {
  return sql('postgres', 'SELECT 1').then(
    () => null,
    (err: Error) => `PostgreSQL at ${SERVER} is not reachable (${err.message})`,
  );
}

async function revision(addr: string): Promise<number> {
  const t = await connectTarget('kvstore', { addr, conns: 1 });
  try {
    return Number((await t.info()).revision ?? 0);
  } finally {
    t.close();
  }
}

export async function startPostgresCluster(): Promise<BenchCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'kvstore-bench-pg-cluster-'));
  const database = `kvstore_bench_${process.pid}_${Date.now()}`;
  await sql('postgres', `CREATE DATABASE ${database}`);
  const logUrl = `${SERVER}/${database}`;
  const nodes: ServerProcess[] = [];
  const endpoints: string[] = [];
  let backendPids: number[] = [];
  const refreshBackends = async () => {
    backendPids = (
      await sql<{ pid: number }>(database, `SELECT pid FROM pg_stat_activity WHERE datname = '${database}'`)
    ).map((r) => r.pid);
  };
  const startNode = async (i: number) => {
    const dataDir = join(dir, `kv${i + 1}`);
    await mkdir(dataDir, { recursive: true });
    const [grpc, http] = [await freePort(), await freePort()];
    endpoints[i] = `127.0.0.1:${grpc}`;
    nodes[i] = new ServerProcess(
      `kvstore kv${i + 1}`,
      process.execPath,
      [
        ...(process.env.BENCH_KVSTORE_NODE_FLAGS?.split(' ').filter((f) => f !== '') ?? []),
        ...['--max-semi-space-size=32', BIN, 'serve', '--data-dir', dataDir, '--log-format', 'json'],
        ...['--grpc-listen', endpoints[i]!, '--http-listen', `127.0.0.1:${http}`, '--log-url', logUrl],
      ],
      /"msg":"kvstore is serving"/,
    );
    await nodes[i]!.start();
  };
  const cluster: BenchCluster = {
    name: 'kvstore-postgres',
    loadTarget: 'kvstore',
    connect: (addr, conns) => connectTarget('kvstore', { addr, conns }),
    endpoints,
    serverPids: () => [...nodes.flatMap((n) => n.pid ?? []), ...backendPids],
    crashes: () => nodes.flatMap((n) => n.crash() ?? []),
    describe: () => ({ server: 'kvstore', nodes: nodes.length, log_url: logUrl, log: 'postgres' }),
    async killLeader(): Promise<Killed> {
      await nodes[1]!.kill();
      return { name: 'kvstore node 2 (of 3 on PostgreSQL)', survivors: [endpoints[0]!, endpoints[2]!] };
    },
    async heal() {
      await startNode(1);
      await refreshBackends();
      await waitFor('kvstore nodes at one revision', async () => {
        const revs = await Promise.all(endpoints.map((e) => revision(e)));
        return new Set(revs).size === 1 ? true : undefined;
      });
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      await sql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await startNode(0);
    await Promise.all([startNode(1), startNode(2)]);
    await refreshBackends();
  } catch (err) {
    await cluster.stop().catch(() => {});
    throw err;
  }
  return cluster;
}
