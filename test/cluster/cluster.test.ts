import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sharedClusterTests } from '../helpers/cluster-behaviour.js';
import {
  allApplied,
  get,
  hashKv,
  type KvCluster,
  kvCluster,
  nodeStatus,
  set,
} from '../helpers/kv-cluster.js';
import { type NatsCluster, natsCluster } from '../helpers/nats-cluster.js';
import { expectLinearizable, startRegisterWorkload } from '../helpers/register-workload.js';

// Three nats-server processes as an R3 JetStream cluster, and for each test three kvstore nodes on a stream
// of their own.
let nats: NatsCluster;
let natsDir: string;
let cluster: KvCluster | null = null;
let streams = 0;

beforeAll(async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  natsDir = await mkdtemp(join(tmpdir(), 'kvstore-natscluster-'));
  nats = await natsCluster(natsDir);
  await nats.start();
}, 60_000);

afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

afterAll(async () => {
  await nats?.stop();
  await rm(natsDir, { recursive: true, force: true });
});

async function startNodes(): Promise<KvCluster> {
  cluster = await kvCluster(nats.url, `KVC${++streams}`);
  return cluster;
}

/** Node `i` of the cluster, cycling. */
const node = (c: KvCluster, i: number) => c.nodes[i % c.nodes.length]!;

describe('a kvstore cluster on an R3 JetStream log', () => {
  sharedClusterTests(startNodes);

  it('loses no acknowledged write and applies none twice when the stream leader is killed during writes', async () => {
    const c = await startNodes();
    await set(c.nodes[0]!, 'warm', 'up');
    const leader = await nats.streamLeader(`KVC${streams}`);
    const acknowledged = new Map<string, number>();
    let failed = 0;
    let stop = false;
    const giveUpAt = Date.now() + 120_000;
    const writers = Array.from({ length: 9 }, async (_, w) => {
      for (let i = 0; !stop && Date.now() < giveUpAt; i++) {
        const key = `k/${w}/${i}`;
        try {
          acknowledged.set(key, await set(node(c, w), key, `v${i}`));
        } catch {
          failed++; // UNAVAILABLE or a deadline: not acknowledged, may or may not be written
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    });
    let killed = false;
    try {
      await waitFor(() => acknowledged.size >= 200, 'writes before the kill');
      const beforeKill = acknowledged.size;
      await nats.kill(leader);
      killed = true;
      await waitFor(
        () => acknowledged.size >= beforeKill + 300,
        () =>
          `writes to resume after the leader kill (${beforeKill} before, ${acknowledged.size} now, ${failed} failed)`,
        60_000,
      );
    } finally {
      stop = true;
      await Promise.all(writers);
      if (killed) await nats.restart(leader);
    }

    const head = Math.max(...acknowledged.values());
    await allApplied(c, head);
    for (const n of c.nodes) {
      for (const [key, revision] of acknowledged) {
        const got = await get(n, key, { serializable: true });
        expect(got, `${key} on ${n.server.addr}`).not.toBeNull();
        // Written once: the first version is the only one, at the acknowledged revision.
        expect(got!.version).toBe(1);
        expect(got!.modRevision).toBe(revision);
      }
    }
    const hashes = await Promise.all(c.nodes.map((n) => hashKv(n, head)));
    expect(new Set(hashes.map((h) => h.hash)).size).toBe(1);
    expect(failed).toBeLessThan(acknowledged.size);
  }, 180_000);

  it('catches up a killed and restarted node from its checkpoint and the stream', async () => {
    const c = await startNodes();
    for (let i = 0; i < 50; i++) await set(node(c, i), `a/${i}`, 'one');
    await c.nodes[2]!.server.stop('SIGKILL');
    let last = 0;
    for (let i = 0; i < 100; i++) last = await set(node(c, i % 2), `b/${i}`, 'two');
    await c.restart(2);
    const restarted = c.nodes[2]!;
    // Linearizable by default: the restarted node answers only once it has caught up.
    expect((await get(restarted, 'b/99'))!.modRevision).toBe(last);
    const status = await nodeStatus(restarted);
    expect(Number(status.cluster!.applied_revision)).toBeGreaterThanOrEqual(last);
    expect(status.backend).toContain('JetStream');
    // HashKV answers from each node's own state: wait until all have applied the last write.
    await allApplied(c, last);
    const hashes = await Promise.all(c.nodes.map((n) => hashKv(n, last)));
    expect(new Set(hashes.map((h) => h.hash)).size).toBe(1);
    expect(hashes[0]!.keys).toBe(150);
  }, 120_000);

  it("creates the change-events stream with the log stream's replicas", async () => {
    const { connect } = await import('nats');
    const { startServerProcess } = await import('../helpers/server-process.js');
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'kvstore-events-'));
    const hosts = nats.url
      .split(',')
      .map((u) => u.replace(/^nats:\/\//, ''))
      .join(',');
    const events = `KVEV${++streams}`;
    const server = await startServerProcess(dir, [
      '--log-url',
      `nats://${hosts}/KVC${streams}?replicas=3`,
      '--nats-url',
      nats.url,
      '--nats-stream',
      events,
    ]);
    const nc = await connect({ servers: nats.url.split(',') });
    try {
      const jsm = await nc.jetstreamManager();
      // The node creates it once it has connected: a lost NATS server must lose neither stream.
      await expect
        .poll(
          () =>
            jsm.streams.info(events).then(
              (i) => i.config.num_replicas,
              () => 0,
            ),
          { timeout: 20_000 },
        )
        .toBe(3);
    } finally {
      await nc.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps a history of gets, sets and compare-and-sets across nodes linearizable through leader kills', async () => {
    const c = await startNodes();
    const workload = startRegisterWorkload(c, { writeDeadlineMs: 20_000, maxOps: 4_000, giveUpMs: 150_000 });
    const answered = () => workload.answered();
    try {
      await waitFor(() => answered() >= 300, 'operations before the first kill');
      for (let kill = 0; kill < 2; kill++) {
        const leader = await nats.streamLeader(`KVC${streams}`);
        const before = answered();
        await nats.kill(leader);
        try {
          await waitFor(
            () => answered() >= before + 300,
            () => `answered operations after kill ${kill + 1} (${before} before, ${answered()} now)`,
            60_000,
          );
        } finally {
          await nats.restart(leader);
        }
      }
    } finally {
      await workload.stop();
    }
    await expectLinearizable(c, workload, 600);
  }, 240_000);
});

async function waitFor(
  condition: () => boolean,
  what: string | (() => string),
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
