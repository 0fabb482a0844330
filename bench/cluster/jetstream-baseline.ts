/**
 * NATS's own stall, the yardstick of issue 11's target (kvstore's stall <= NATS's own + 1 s): the same
 * writer loop publishing straight to an R3 JetStream stream (file storage, `Nats-Msg-Id` = the key, so a
 * retried write is de-duplicated as kvstore's are) on a fresh 3-server cluster, the stream leader
 * SIGKILLed, acknowledged messages read back by subject. Stall only: no load runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { addressList } from '../../load/addresses.js';
import type { LoadTarget, OpCallback } from '../../load/targets/target.js';
import { type BenchCluster, type Killed, waitFor } from './bench-cluster.js';
import { startNatsCluster } from './nats-cluster.js';

const STREAM = 'NATSBENCH';
const SUBJECT = 'natsbench';
const REPLICAS = 3;

/** Publishes and reads by subject over `conns` connections, connection i preferring server i % n. */
async function jetstreamTarget(addr: string, conns: number): Promise<LoadTarget<string>> {
  const hosts = addressList(addr);
  const ncs: NatsConnection[] = [];
  const js: JetStreamClient[] = [];
  const jsm: JetStreamManager[] = [];
  try {
    for (let i = 0; i < conns; i++) {
      // Rotated and not randomised: connection i starts on server i % n, fails over to the next.
      const servers = hosts.map((_, j) => hosts[(i + j) % hosts.length]!);
      const nc = await connect({
        servers,
        noRandomize: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 100,
      });
      ncs.push(nc);
      js.push(nc.jetstream({ timeout: 10_000 }));
      jsm.push(await nc.jetstreamManager({ timeout: 5000 }));
    }
  } catch (err) {
    await Promise.all(ncs.map((nc) => nc.close()));
    throw err;
  }
  return {
    name: 'nats',
    encodeKey: (key) => `${SUBJECT}.${key.replace(/[.*> ]/g, '_')}`,
    set(conn, subject, value, done: OpCallback) {
      js[conn]!.publish(subject, value, { msgID: subject }).then(
        () => done(null, true),
        (err: Error) => done(err, false),
      );
    },
    get(conn, subject, done: OpCallback) {
      jsm[conn]!.streams.getMessage(STREAM, { last_by_subj: subject }).then(
        () => done(null, true),
        (err: Error) => (/no message found/i.test(err.message) ? done(null, false) : done(err, false)),
      );
    },
    info: async () => ({ server: 'nats-server', stream: STREAM, replicas: REPLICAS }),
    close() {
      for (const nc of ncs) void nc.close();
    },
  };
}

/** A fresh 3-server NATS cluster with an R3 file stream, measured for its stall only. */
export async function startJetStreamBaseline(): Promise<BenchCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'kvstore-bench-nats-'));
  const nats = await startNatsCluster(dir).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  let down = false;
  const cluster: BenchCluster = {
    name: 'nats (JetStream R3 publish)',
    loadTarget: null,
    endpoints: nats.hosts,
    connect: jetstreamTarget,
    serverPids: () => nats.serverPids(),
    crashes: () => nats.crashes(),
    describe: () => ({
      server: 'nats-server',
      version: nats.version,
      servers: 3,
      stream: STREAM,
      replicas: REPLICAS,
    }),
    async killLeader(): Promise<Killed> {
      const leader = await waitFor(`stream ${STREAM} leader`, () => nats.streamLeader(STREAM));
      await nats.kill(leader);
      down = true;
      // Server n<i> serves hosts[i - 1].
      const survivors = nats.hosts.filter((_, i) => `n${i + 1}` !== leader);
      return { name: `nats-server ${leader} (stream leader)`, survivors };
    },
    async heal() {
      if (down) await nats.restartDown();
      down = false;
      await nats.streamWhole(STREAM, REPLICAS);
    },
    async stop() {
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    const nc = await connect({ servers: [...nats.hosts] });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: STREAM, subjects: [`${SUBJECT}.>`], num_replicas: REPLICAS });
    } finally {
      await nc.close();
    }
    await nats.streamWhole(STREAM, REPLICAS);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
