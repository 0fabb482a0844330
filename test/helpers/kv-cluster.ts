import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { AdminClient } from '../../src/api/generated/kvstore/v1/Admin.js';
import type { KVClient } from '../../src/api/generated/kvstore/v1/KV.js';
import type { StatusResponse__Output } from '../../src/api/generated/kvstore/v1/StatusResponse.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from './server-process.js';
import { tempDir } from './temp-dir.js';

/** One kvstore node of a test cluster, with clients. */
export interface KvNode {
  readonly dataDir: string;
  server: ServerProcess;
  kv: KVClient;
  admin: AdminClient;
}

/** Three (or `size`) kvstore nodes on one JetStream log, each with its own data directory. */
export interface KvCluster {
  readonly nodes: KvNode[];
  readonly logUrl: string;
  /** Starts node `i` again on its data directory (after a kill or stop). */
  restart(i: number): Promise<void>;
  /** Stops every node still running (SIGKILL: tests end fast) and closes the clients. */
  stop(): Promise<void>;
}

/** A write's deadline in tests: long enough to ride out a NATS leader election. */
export const WRITE_DEADLINE_MS = 20_000;

function deadline(ms: number): { deadline: Date } {
  return { deadline: new Date(Date.now() + ms) };
}

/** Starts `size` kvstore nodes on the stream `stream` of the NATS servers `natsUrl` (comma-joined). */
export async function kvCluster(natsUrl: string, stream: string, size = 3, replicas = 3): Promise<KvCluster> {
  const hosts = natsUrl
    .split(',')
    .map((u) => u.replace(/^nats:\/\//, ''))
    .join(',');
  return kvClusterOn(`nats://${hosts}/${stream}?replicas=${replicas}`, size);
}

/** Starts `size` kvstore nodes on the shared log `logUrl` (any shared backend: JetStream, PostgreSQL). */
export async function kvClusterOn(logUrl: string, size = 3): Promise<KvCluster> {
  const nodes: KvNode[] = [];
  const start = async (dataDir: string): Promise<KvNode> => {
    const server = await startServerProcess(dataDir, ['--log-url', logUrl]);
    const c = clients(server.addr);
    return { dataDir, server, kv: c.kv, admin: c.admin };
  };
  try {
    // One after another: the first creates the stream (or table), the others find it.
    for (let i = 0; i < size; i++) nodes.push(await start(await tempDir('kvstore-node-')));
  } catch (err) {
    for (const n of nodes) n.server.process.kill('SIGKILL');
    throw err;
  }
  return {
    nodes,
    logUrl,
    async restart(i) {
      const old = nodes[i]!;
      old.kv.close();
      old.admin.close();
      nodes[i] = await start(old.dataDir);
    },
    async stop() {
      await Promise.all(
        nodes.map(async (n) => {
          n.kv.close();
          n.admin.close();
          await n.server.stop('SIGKILL');
        }),
      );
    },
  };
}

/** Set; resolves with the new revision. */
export function set(node: KvNode, key: string, value: string, ms = WRITE_DEADLINE_MS): Promise<number> {
  return unaryCall<{ header: { revision: number } | null }>((cb) =>
    node.kv.Set({ key, value: Buffer.from(value) }, new Metadata(), deadline(ms), cb),
  ).then((r) => r.header!.revision);
}

/** Compare-and-set on the mod revision (0: the key must be absent); false when the condition failed. */
export async function cas(
  node: KvNode,
  key: string,
  value: string,
  modRevision: number,
  ms = WRITE_DEADLINE_MS,
): Promise<{ ok: true; revision: number } | { ok: false; message: string }> {
  try {
    const r = await unaryCall<{ header: { revision: number } | null }>((cb) =>
      node.kv.Set(
        { key, value: Buffer.from(value), condition: { mod_revision: modRevision } },
        new Metadata(),
        deadline(ms),
        cb,
      ),
    );
    return { ok: true, revision: r.header!.revision };
  } catch (err) {
    if ((err as ServiceError).code === status.FAILED_PRECONDITION)
      return { ok: false, message: (err as ServiceError).details };
    throw err;
  }
}

/** Get (linearizable unless `serializable`): the value and mod revision, or null when absent. */
export async function get(
  node: KvNode,
  key: string,
  options: { serializable?: boolean; ms?: number } = {},
): Promise<{ value: string; modRevision: number; version: number; revision: number } | null> {
  const r = await unaryCall<{
    found: boolean;
    header: { revision: number } | null;
    kv: { value: Buffer; mod_revision: number; version: number } | null;
  }>((cb) =>
    node.kv.Get(
      { key, serializable: options.serializable === true },
      new Metadata(),
      deadline(options.ms ?? 10_000),
      cb,
    ),
  );
  if (!r.found || !r.kv) return null;
  return {
    value: r.kv.value.toString(),
    modRevision: Number(r.kv.mod_revision),
    version: Number(r.kv.version),
    revision: Number(r.header!.revision),
  };
}

/** HashKV of the node's state at `revision` (0: current). */
export function hashKv(
  node: KvNode,
  revision = 0,
): Promise<{ hash: string; hash_revision: number; keys: number }> {
  return unaryCall((cb) => node.admin.HashKV({ revision }, new Metadata(), deadline(30_000), cb));
}

/** The node's status (cluster part included). */
export function nodeStatus(node: KvNode): Promise<StatusResponse__Output> {
  return unaryCall((cb) => node.admin.Status({}, new Metadata(), deadline(10_000), cb));
}

/** Waits until every node has applied `revision` (bounded). */
export async function allApplied(cluster: KvCluster, revision: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (const node of cluster.nodes) {
    for (;;) {
      const s = await nodeStatus(node);
      if (Number(s.header?.revision ?? 0) >= revision) break;
      if (Date.now() > until)
        throw new Error(`node ${node.server.addr} stuck at ${s.header?.revision} < ${revision}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
