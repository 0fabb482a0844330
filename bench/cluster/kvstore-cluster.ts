/**
 * 3 kvstore nodes on one R3 JetStream stream (issue 11's cluster mode): 3 nats-servers from
 * ./nats-cluster.ts, then `bin/kvstore serve --log-url nats://a,b,c/KVBENCH?replicas=3` three times, each
 * with its own data dir (projection and checkpoints) and free loopback ports. A leader kill SIGKILLs the
 * stream's Raft leader (a nats-server); the kvstore nodes all stay up.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../load/ports.js';
import { connectTarget } from '../../load/targets/index.js';
import { type BenchCluster, type Killed, waitFor } from './bench-cluster.js';
import { startNatsCluster } from './nats-cluster.js';
import { ServerProcess } from './server-process.js';

/** The stream the bench's nodes share. */
export const STREAM = 'KVBENCH';
const REPLICAS = 3;
const BIN = fileURLToPath(new URL('../../bin/kvstore', import.meta.url));

/** Why kvstore cannot run as a cluster node yet (no `--log-url` in `serve --help`), or null when it can. */
export function kvstoreClusterMissing(): string | null {
  const help = spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8' });
  if (help.status !== 0) return `bin/kvstore serve --help failed (build first): ${help.stderr.slice(0, 400)}`;
  return help.stdout.includes('--log-url') ? null : 'bin/kvstore serve has no --log-url yet (issue 11)';
}

/** Revision of one node (kvstore.v1.Admin/Status). */
async function revision(addr: string): Promise<number> {
  const t = await connectTarget('kvstore', { addr, conns: 1 });
  try {
    return Number((await t.info()).revision ?? 0);
  } finally {
    t.close();
  }
}

/** Starts the NATS cluster and the 3 kvstore nodes (the first alone, so that one node creates the stream). */
export async function startKvstoreCluster(): Promise<BenchCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'kvstore-bench-cluster-'));
  const nats = await startNatsCluster(join(dir, 'nats')).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const logUrl = `nats://${nats.hosts.join(',')}/${STREAM}?replicas=${REPLICAS}`;
  // Own processes rather than load/local-server: the bench must see a node that dies (and its last words).
  const nodes: ServerProcess[] = [];
  const endpoints: string[] = [];
  const startNode = async (i: number) => {
    const dataDir = join(dir, `kv${i + 1}`);
    await mkdir(dataDir, { recursive: true });
    const [grpc, http] = [await freePort(), await freePort()];
    endpoints[i] = `127.0.0.1:${grpc}`;
    nodes[i] = new ServerProcess(
      `kvstore kv${i + 1}`,
      process.execPath,
      [
        // As `npm start` and the container run it (docs/operations.md, "Node flags"); BENCH_KVSTORE_NODE_FLAGS
        // adds Node flags (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the nodes).
        ...(process.env.BENCH_KVSTORE_NODE_FLAGS?.split(' ').filter((f) => f !== '') ?? []),
        ...['--max-semi-space-size=32', BIN, 'serve', '--data-dir', dataDir, '--log-format', 'json'],
        ...['--grpc-listen', endpoints[i]!, '--http-listen', `127.0.0.1:${http}`, '--log-url', logUrl],
      ],
      /"msg":"kvstore is serving"/,
    );
    await nodes[i]!.start();
  };
  let down: string | null = null;
  const cluster: BenchCluster = {
    name: 'kvstore',
    loadTarget: 'kvstore',
    connect: (addr, conns) => connectTarget('kvstore', { addr, conns }),
    endpoints,
    serverPids: () => [...nodes.flatMap((n) => n.pid ?? []), ...nats.serverPids()],
    crashes: () => [...nodes.flatMap((n) => n.crash() ?? []), ...nats.crashes()],
    describe: () => ({
      server: 'kvstore',
      nodes: nodes.length,
      log_url: logUrl,
      nats_server: nats.version,
      nats_servers: 3,
    }),
    async killLeader(): Promise<Killed> {
      const leader = await waitFor(`stream ${STREAM} leader`, () => nats.streamLeader(STREAM));
      await nats.kill(leader);
      down = leader;
      return { name: `nats-server ${leader} (stream leader)`, survivors: endpoints };
    },
    async heal() {
      if (down !== null) await nats.restartDown();
      down = null;
      await nats.streamWhole(STREAM, REPLICAS);
      // Every node has caught up with the same revision.
      await waitFor('kvstore nodes at one revision', async () => {
        const revs = await Promise.all(endpoints.map((e) => revision(e)));
        return new Set(revs).size === 1 ? true : undefined;
      });
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await startNode(0);
    await Promise.all([startNode(1), startNode(2)]);
    await nats.streamWhole(STREAM, REPLICAS);
  } catch (err) {
    await cluster.stop().catch(() => {});
    throw err;
  }
  return cluster;
}
