import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type NatsConnection, StorageType } from 'nats';
import { freePort } from '../../load/ports.js';

/*
 * Facts measured with this helper on nats-server 2.9.10 (Debian), pinned by test/log/nats-cluster.test.ts:
 * (a) A publish whose Nats-Msg-Id is already stored AND whose Nats-Expected-Last-Sequence is stale answers
 *     `duplicate: true` with the ORIGINAL sequence (the duplicate check comes first), on R3: a retry after a
 *     lost ack may resend the very same message and headers. A new id with the stale expectation gets 10071.
 * (b) R3, purge({ seq: N }) past the end: stream info says first_seq N, last_seq N-1, but the leader's
 *     expected-last-sequence check still counts from the old end (expect N-1 -> 10071 "wrong last sequence:
 *     0"); the FIRST publish after it fails with 503/10077 "expected sequence does not match store" (the
 *     leader resyncs), then publishes get N, N+1, ... and expectations agree with last_seq again.
 * (c) R1 on one server, same purge: the next publish gets N, but the expected-last-sequence check keeps
 *     counting from the old end ("wrong last sequence: 1" after the message at N) until the server restarts;
 *     a stream config update does not fix it.
 * Failover (bench/nats-failover.ts): the publish stall on a SIGKILL of the stream leader is 5.3-8.9 s,
 * median 5.3-6.7 s over runs of 7 kills; server `ping_interval: 1s` did not shorten it (SIGKILL closes the
 * node's sockets at once), nor did it matter whether the client or the meta leader sat on the killed node.
 * Raft timings are compile-time constants in 2.9: no config key shortens election. A 5 s client publish
 * timeout (nats.js default) can add up to ~1 s when the election is quick (one kill: leader 4.2 s, ack 5.1 s).
 * While no leader exists a publish answers 503 (no responders) at once: clients must back off, not spin.
 */

/** A real 3-node (or `size`-node) nats-server cluster with JetStream on loopback ports. */
export interface NatsCluster {
  /** Each node's client URL, by node index. */
  readonly urls: readonly string[];
  /** Every node's client URL, comma-joined, as a client's server list. */
  readonly url: string;
  /** Each node's server name (`-n`), by node index. */
  readonly names: readonly string[];
  /** Starts every node; resolves once a meta leader is elected and an R3 stream can be created. */
  start(): Promise<void>;
  /** Stops every node (SIGTERM, then SIGKILL); leaves no process. */
  stop(): Promise<void>;
  /** SIGKILLs node `i` and waits for it to exit. */
  kill(i: number): Promise<void>;
  /** Starts node `i` again with the same ports and store dir; resolves once it accepts clients. */
  restart(i: number): Promise<void>;
  /** The index of the node leading `stream` (asked through a client connection to a live node). */
  streamLeader(stream: string, timeoutMs?: number): Promise<number>;
  /** Resolves once the live nodes agree on a JetStream meta leader; returns its index. */
  waitForMetaLeader(timeoutMs?: number): Promise<number>;
  /** The last lines each node wrote to stderr, for error messages. */
  logTail(): string;
}

/** Extra lines for each node's config file (tuning experiments), e.g. `ping_interval: "1s"`. */
export interface NatsClusterOptions {
  readonly extraConfig?: string;
  readonly clusterName?: string;
}

interface NodePorts {
  readonly client: number;
  readonly route: number;
  readonly http: number;
}

const TAIL_BYTES = 4_000;
const live = new Set<ChildProcess>();
// Safety net: a test runner that exits mid-test must not leave servers behind.
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Prepares a cluster of `size` nodes storing JetStream data under `dir`; call start(). */
export async function natsCluster(
  dir: string,
  size = 3,
  options: NatsClusterOptions = {},
): Promise<NatsCluster> {
  const ports: NodePorts[] = [];
  for (let i = 0; i < size; i++)
    ports.push({ client: await freePort(), route: await freePort(), http: await freePort() });
  const names = ports.map((_, i) => `n${i}`);
  const configs: string[] = [];
  for (let i = 0; i < size; i++) {
    const nodeDir = join(dir, names[i]!);
    await mkdir(nodeDir, { recursive: true });
    const file = join(nodeDir, 'nats.conf');
    await writeFile(file, nodeConfig(i, ports, nodeDir, options));
    configs.push(file);
  }
  const children: (ChildProcess | null)[] = ports.map(() => null);
  const tails: string[] = ports.map(() => '');
  const urls = ports.map((p) => `nats://127.0.0.1:${p.client}`);

  const logTail = () => tails.map((t, i) => `--- ${names[i]} stderr ---\n${t}`).join('\n');

  async function startNode(i: number): Promise<void> {
    if (running(children[i])) throw new Error(`${names[i]} is already running`);
    tails[i] = '';
    const child = spawn('nats-server', ['-c', configs[i]!], { stdio: ['ignore', 'ignore', 'pipe'] });
    children[i] = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    child.stderr!.on('data', (d: Buffer) => {
      tails[i] = (tails[i] + d.toString()).slice(-TAIL_BYTES);
    });
    await waitFor(
      `${names[i]} ready`,
      10_000,
      async () => {
        if (!running(child))
          throw new WaitAborted(`${names[i]} exited (${child.exitCode ?? child.signalCode})\n${logTail()}`);
        return tails[i]!.includes('Server is ready');
      },
      logTail,
    );
  }

  async function killNode(i: number, signal: NodeJS.Signals): Promise<void> {
    const c = children[i];
    if (!c || !running(c)) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill(signal);
    if (signal === 'SIGKILL') return exited;
    const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async function metaLeader(): Promise<number | null> {
    const leaders = new Set<string>();
    for (let i = 0; i < size; i++) {
      if (!running(children[i])) continue;
      const jsz = await monitor(ports[i]!.http, '/jsz');
      const leader = (jsz as { meta_cluster?: { leader?: string } } | null)?.meta_cluster?.leader;
      if (!leader) return null;
      leaders.add(leader);
    }
    if (leaders.size !== 1) return null;
    const index = names.indexOf([...leaders][0]!);
    return index >= 0 ? index : null;
  }

  const cluster: NatsCluster = {
    urls,
    url: urls.join(','),
    names,
    logTail,
    async start() {
      try {
        await Promise.all(names.map((_, i) => startNode(i)));
        await cluster.waitForMetaLeader(20_000);
        await waitForReplicatedStream(cluster.url, size, logTail);
      } catch (e) {
        await cluster.stop();
        throw e;
      }
    },
    async stop() {
      await Promise.all(names.map((_, i) => killNode(i, 'SIGTERM')));
    },
    kill: (i) => killNode(i, 'SIGKILL'),
    async restart(i) {
      try {
        await startNode(i);
      } catch (e) {
        await killNode(i, 'SIGKILL');
        throw e;
      }
    },
    async waitForMetaLeader(timeoutMs = 15_000) {
      let found = -1;
      await waitFor(
        'JetStream meta leader',
        timeoutMs,
        async () => {
          const l = await metaLeader();
          if (l === null) return false;
          found = l;
          return true;
        },
        logTail,
      );
      return found;
    },
    async streamLeader(stream, timeoutMs = 15_000) {
      let found = -1;
      await withConnection(cluster.url, async (nc) => {
        const jsm = await nc.jetstreamManager({ timeout: 1_000, checkAPI: false });
        await waitFor(
          `leader of stream ${stream}`,
          timeoutMs,
          async () => {
            const info = await jsm.streams.info(stream).catch(() => null);
            found = names.indexOf(info?.cluster?.leader ?? '');
            return found >= 0;
          },
          logTail,
        );
      });
      return found;
    },
  };
  return cluster;
}

function running(c: ChildProcess | null | undefined): boolean {
  return !!c && c.exitCode === null && c.signalCode === null;
}

function nodeConfig(i: number, ports: readonly NodePorts[], storeDir: string, o: NatsClusterOptions): string {
  const p = ports[i]!;
  const routes = ports
    .filter((_, j) => j !== i)
    .map((q) => `nats-route://127.0.0.1:${q.route}`)
    .join(', ');
  return [
    `server_name: n${i}`,
    `listen: 127.0.0.1:${p.client}`,
    `http: 127.0.0.1:${p.http}`,
    `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
    `cluster { name: ${o.clusterName ?? 'kvstore-test'}, listen: 127.0.0.1:${p.route}, routes: [${routes}] }`,
    o.extraConfig ?? '',
    '',
  ].join('\n');
}

/** GETs a monitoring endpoint; null when the node does not answer (yet). */
async function monitor(port: number, path: string): Promise<unknown> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1_000) });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

/** Thrown by a check to end a wait at once (the thing waited for can no longer happen). */
export class WaitAborted extends Error {}

/** Polls `check` until it returns true; throws after `timeoutMs` with the servers' stderr tails. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  tail: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      if (await check()) return;
    } catch (e) {
      if (e instanceof WaitAborted) throw e;
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last})` : ''}\n${tail()}`,
      );
    await new Promise((r) => setTimeout(r, delay));
  }
}

async function withConnection<T>(url: string, fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url.split(','), reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

/** Meta leader elected is not enough: peers must be known before an R3 stream can be placed. */
async function waitForReplicatedStream(url: string, size: number, tail: () => string): Promise<void> {
  const name = '__cluster_probe';
  await withConnection(url, async (nc) => {
    const jsm = await nc.jetstreamManager({ timeout: 2_000, checkAPI: false });
    await waitFor(
      `an R${size} stream to be creatable`,
      20_000,
      async () => {
        await jsm.streams.add({ name, subjects: [name], num_replicas: size, storage: StorageType.File });
        return true;
      },
      tail,
    );
    await jsm.streams.delete(name);
  });
}
