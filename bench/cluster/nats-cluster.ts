/**
 * 3 nats-servers (Debian's 2.9.10) with JetStream, clustered by routes on loopback: the cluster bench's own
 * launcher, so the bench does not depend on the test helpers.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { connect, type NatsConnection, type StreamInfo } from 'nats';
import { freePort } from '../../load/ports.js';
import { waitFor } from './bench-cluster.js';
import { ServerProcess } from './server-process.js';

/** A running NATS cluster. */
export interface NatsCluster {
  /** Client addresses, HOST:PORT, one per server. */
  readonly hosts: readonly string[];
  readonly version: string;
  serverPids(): number[];
  /** Servers that exited without being killed or stopped, with their last output. */
  crashes(): string[];
  /** The server name of `stream`'s Raft leader (undefined while there is none). */
  streamLeader(stream: string): Promise<string | undefined>;
  /** SIGKILLs the server named `name`. */
  kill(name: string): Promise<void>;
  /** Starts every server that is down again. */
  restartDown(): Promise<void>;
  /** Waits until `stream` has a leader and every replica is current. */
  streamWhole(stream: string, replicas: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts 3 servers (n1..n3) storing JetStream data under `dir`, and waits until JetStream answers. */
export async function startNatsCluster(dir: string): Promise<NatsCluster> {
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const hosts = [0, 1, 2].map((i) => `127.0.0.1:${ports[i]}`);
  const routes = [3, 4, 5].map((i) => `nats://127.0.0.1:${ports[i]}`).join(',');
  const servers = [0, 1, 2].map(
    (i) =>
      new ServerProcess(
        `n${i + 1}`,
        'nats-server',
        [
          ...['-a', '127.0.0.1', '-p', String(ports[i]), '-n', `n${i + 1}`],
          ...['-js', '-sd', join(dir, `n${i + 1}`)],
          ...[
            '--cluster_name',
            'kvbench',
            '--cluster',
            `nats://127.0.0.1:${ports[3 + i]}`,
            '--routes',
            routes,
          ],
        ],
        /Server is ready/,
      ),
  );
  const version = /v(\d[\w.-]*)/.exec(
    spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).stdout,
  )?.[1];
  let nc: NatsConnection | undefined;
  const streamInfo = async (stream: string): Promise<StreamInfo> => {
    nc ??= await connect({ servers: [...hosts], maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const jsm = await nc.jetstreamManager({ timeout: 1000 });
    return jsm.streams.info(stream);
  };
  const cluster: NatsCluster = {
    hosts,
    version: version ?? '?',
    serverPids: () => servers.flatMap((s) => (s.pid === undefined ? [] : [s.pid])),
    crashes: () => servers.flatMap((s) => s.crash() ?? []),
    async streamLeader(stream) {
      return (await streamInfo(stream)).cluster?.leader;
    },
    async kill(name) {
      const s = servers.find((x) => x.name === name);
      if (!s) throw new Error(`no nats-server named ${name}`);
      await s.kill();
    },
    async restartDown() {
      await Promise.all(servers.filter((s) => s.pid === undefined).map((s) => s.start()));
    },
    async streamWhole(stream, replicas) {
      await waitFor(`stream ${stream} with a leader and ${replicas - 1} current replicas`, async () => {
        const c = (await streamInfo(stream)).cluster;
        const current = (c?.replicas ?? []).filter((r) => r.current && !r.offline).length;
        return c?.leader && current === replicas - 1 ? true : undefined;
      });
    },
    async stop() {
      await nc?.close().catch(() => {});
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
  try {
    await Promise.all(servers.map((s) => s.start()));
    // The JetStream meta group elects its leader after the routes are up; until then the API times out.
    await waitFor('JetStream meta leader', async () => {
      nc ??= await connect({ servers: [...hosts], maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      await (await nc.jetstreamManager({ timeout: 1000 })).getAccountInfo();
      return true;
    });
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
