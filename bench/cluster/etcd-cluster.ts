/**
 * A 3-member etcd 3.4 cluster (Debian's etcd-server) on loopback, each member started the way
 * ../shared/bench/anchors/start-etcd.sh starts the single-member anchor (same quota and auto-compaction),
 * election settings left at etcd's defaults (heartbeat 100 ms, election timeout 1000 ms).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Client,
  credentials,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { freePort } from '../../load/ports.js';
import { connectTarget } from '../../load/targets/index.js';
import { type BenchCluster, type Killed, waitFor } from './bench-cluster.js';
import { ServerProcess } from './server-process.js';

const PROTO = fileURLToPath(new URL('../../load/proto/etcd/rpc.proto', import.meta.url));

interface Status {
  readonly header?: { readonly member_id?: string };
  readonly leader?: string;
  readonly raftIndex?: string;
  readonly version?: string;
}

interface MaintenanceClient extends Client {
  Status(req: object, options: { deadline: number }, cb: (e: ServiceError | null, r?: Status) => void): void;
}

function maintenanceService(): ServiceClientConstructor {
  const def = loadSync(PROTO, { keepCase: true, longs: String, defaults: true });
  const pkg = loadPackageDefinition(def).etcdserverpb as Record<string, ServiceClientConstructor>;
  return pkg.Maintenance!;
}

/** Maintenance.Status of one member (1 s deadline). */
function status(Maintenance: ServiceClientConstructor, addr: string): Promise<Status> {
  const client = new Maintenance(addr, credentials.createInsecure()) as unknown as MaintenanceClient;
  return new Promise<Status>((resolve, reject) => {
    client.Status({}, { deadline: Date.now() + 1000 }, (err, res) => (err ? reject(err) : resolve(res!)));
  }).finally(() => client.close());
}

/** True when the etcd binary is installed (apt-get install etcd-server). */
export function etcdInstalled(): boolean {
  return spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Starts 3 members on free loopback ports with fresh data dirs and waits until they serve. */
export async function startEtcdCluster(): Promise<BenchCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'kvstore-bench-etcd3-'));
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const names = ['m1', 'm2', 'm3'];
  const peer = (i: number) => `http://127.0.0.1:${ports[3 + i]}`;
  const endpoints = names.map((_, i) => `127.0.0.1:${ports[i]}`);
  const initialCluster = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const members = names.map(
    (name, i) =>
      new ServerProcess(
        `etcd ${name}`,
        'etcd',
        [
          ...['--name', name, '--data-dir', join(dir, name)],
          ...[
            '--listen-client-urls',
            `http://${endpoints[i]}`,
            '--advertise-client-urls',
            `http://${endpoints[i]}`,
          ],
          ...['--listen-peer-urls', peer(i), '--initial-advertise-peer-urls', peer(i)],
          ...['--initial-cluster', initialCluster, '--initial-cluster-state', 'new'],
          ...['--initial-cluster-token', 'kvstore-bench'],
          ...['--quota-backend-bytes', '8589934592'],
          ...['--auto-compaction-mode', 'revision', '--auto-compaction-retention', '100000'],
        ],
        /ready to serve client requests/,
      ),
  );
  const Maintenance = maintenanceService();
  const version =
    /etcd Version: (\S+)/.exec(spawnSync('etcd', ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  let killed: ServerProcess | null = null;

  /** The member every other live member names as leader, once they agree. */
  const leader = () =>
    waitFor('an etcd leader all members agree on', async () => {
      const live = members.flatMap((m, i) => (m.pid === undefined ? [] : [i]));
      const all = await Promise.all(live.map((i) => status(Maintenance, endpoints[i]!)));
      const ids = new Set(all.map((s) => s.leader));
      if (ids.size !== 1 || all[0]!.leader === '0') return undefined;
      const at = all.findIndex((s) => s.header?.member_id === all[0]!.leader);
      return at < 0 ? undefined : live[at];
    });

  const cluster: BenchCluster = {
    name: 'etcd',
    loadTarget: 'etcd',
    connect: (addr, conns) => connectTarget('etcd', { addr, conns }),
    endpoints,
    serverPids: () => members.flatMap((m) => (m.pid === undefined ? [] : [m.pid])),
    crashes: () => members.flatMap((m) => m.crash() ?? []),
    describe: () => ({
      server: 'etcd',
      version,
      members: 3,
      heartbeat_ms: 100,
      election_timeout_ms: 1000,
    }),
    async killLeader(): Promise<Killed> {
      const i = await leader();
      killed = members[i]!;
      await killed.kill();
      return { name: killed.name, survivors: endpoints.filter((_, j) => j !== i) };
    },
    async heal() {
      if (killed) await killed.start();
      killed = null;
      // Whole again: all 3 answer, agree on a leader, and have applied the same raft index.
      await leader();
      await waitFor('etcd members in sync', async () => {
        const all = await Promise.all(endpoints.map((e) => status(Maintenance, e)));
        return new Set(all.map((s) => s.raftIndex)).size === 1 ? true : undefined;
      });
    },
    async stop() {
      await Promise.all(members.map((m) => m.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(members.map((m) => m.start()));
    await leader();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
