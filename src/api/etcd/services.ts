import { createHash } from 'node:crypto';
import type {
  ServerDuplexStream,
  ServerWritableStream,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { Access } from '../../service/access.js';
import type { AdminOperations, BackupStream } from '../../service/admin-operations.js';
import type { EtcdAuthOperations } from '../../service/etcd-auth.js';
import {
  ETCD_ERRORS,
  type EtcdDeleteRangeInput,
  type EtcdHeader,
  type EtcdKvOperations,
  type EtcdPutInput,
  type EtcdRangeInput,
  type EtcdTxnInput,
  type EtcdTxnOutput,
  UnsupportedError,
} from '../../service/etcd-operations.js';
import type { KvStore } from '../../store/kv-store.js';
import { RpcError } from '../grpc/status-errors.js';
import type { HandlerContext } from '../grpc/unary.js';
import { unary } from '../grpc/unary.js';
import { etcdAuthService } from './auth.js';
import { asEtcd, etcdRpcError } from './errors.js';
import { etcdserverpb } from './proto.js';

/** Who this server is in etcd's terms (ResponseHeader, Status, MemberList). */
export interface EtcdIdentity {
  readonly clusterId: number;
  readonly memberId: number;
  /** This member's name in MemberList. */
  readonly name: string;
  /** The URLs etcd clients reach this member at (the kvstore gRPC port, and etcd.listen when set). */
  readonly clientUrls: () => string[];
}

/**
 * The version Status reports: etcd clients enable features by it (Kubernetes asks watch progress of
 * servers >= 3.5.13, which kvstore answers). docs/etcd.md lists what kvstore serves of that version.
 */
export const ETCD_COMPAT_VERSION = '3.5.13';

/** The header etcd puts on a nested TxnResponse: every field 0. */
const EMPTY_HEADER = { cluster_id: 0, member_id: 0, revision: 0, raft_term: 0 };

/** raft_term: kvstore runs no Raft of its own; the term never changes. */
const RAFT_TERM = 1;

/** Everything the etcd services serve from. */
export interface EtcdParts {
  readonly store: KvStore;
  readonly kv: EtcdKvOperations;
  readonly admin: AdminOperations;
  readonly identity: EtcdIdentity;
  readonly ctx: HandlerContext;
  /** The Auth service's answers (users and roles from the keys file and the roles). */
  readonly auth: EtcdAuthOperations;
}

/** A full ResponseHeader for a revision. */
export function headerOf(identity: EtcdIdentity, revision: number) {
  return {
    cluster_id: identity.clusterId,
    member_id: identity.memberId,
    revision,
    raft_term: RAFT_TERM,
  };
}

/** A service and its handlers, as a gRPC server adds them. */
export interface ServiceEntry {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/** The unary etcd services: KV, Lease, Cluster, Maintenance, Auth (Watch: see watch.ts). */
export function etcdUnaryServices(parts: EtcdParts): ServiceEntry[] {
  const { kv, admin, identity, ctx, store } = parts;
  const header = (h: EtcdHeader) => headerOf(identity, h.revision);
  const now = () => headerOf(identity, store.revision);
  const log = (method: string) => (err: unknown) =>
    ctx.logger.error({ method, err }, 'request failed unexpectedly');
  // Each handler: the operation's answer with full headers, errors as etcd's (see errors.ts).
  const call = <Req, Res>(method: string, run: (request: Req, access: Access) => Res | Promise<Res>) =>
    unary<Req, Res>(`etcd.${method}`, ctx, (request, access) =>
      asEtcd(() => run(request, access), log(method)),
    );
  const unsupported = (message: string) => () => {
    throw new UnsupportedError(message);
  };
  // etcd leaves a nested Txn's own header empty (zeros); its ops' headers are full.
  const txnAnswer = (out: EtcdTxnOutput, nested = false): object => ({
    header: nested ? EMPTY_HEADER : header(out.header),
    succeeded: out.succeeded,
    responses: out.responses.map((r) =>
      r.response_range
        ? { response_range: { ...r.response_range, header: header(r.response_range.header) } }
        : r.response_put
          ? { response_put: { ...r.response_put, header: header(r.response_put.header) } }
          : r.response_txn
            ? { response_txn: txnAnswer(r.response_txn, true) }
            : {
                response_delete_range: {
                  ...r.response_delete_range!,
                  header: header(r.response_delete_range!.header),
                },
              },
    ),
  });
  const thenOrNow = <T, U>(value: T | Promise<T>, map: (v: T) => U): U | Promise<U> =>
    value instanceof Promise ? value.then(map) : map(value);

  const kvHandlers: UntypedServiceImplementation = {
    Range: call('Range', (r: EtcdRangeInput, access) =>
      thenOrNow(kv.range(r, access), (out) => ({ ...out, header: header(out.header) })),
    ),
    Put: call('Put', async (r: EtcdPutInput, access) => {
      const out = await kv.put(r, access);
      return { ...out, header: header(out.header) };
    }),
    DeleteRange: call('DeleteRange', async (r: EtcdDeleteRangeInput, access) => {
      const out = await kv.deleteRange(r, access);
      return { ...out, header: header(out.header) };
    }),
    Txn: call('Txn', async (r: EtcdTxnInput, access) => txnAnswer(await kv.txn(r, access))),
    Compact: call('Compact', async (r: { revision: number; physical: boolean }, access) => {
      const out = await kv.compact(r.revision, access);
      return { header: header(out.header) };
    }),
  };

  const noLeases =
    'etcdserver: kvstore does not grant etcd leases yet (issue 14); give keys a TTL with kvstore.v1 Set ttl_ms, or see docs/etcd.md';
  const leaseHandlers: UntypedServiceImplementation = {
    LeaseGrant: call('LeaseGrant', unsupported(noLeases)),
    // No lease exists: each of these answers as etcd does for a lease it does not know.
    LeaseRevoke: call('LeaseRevoke', () => {
      throw new RpcError(status.NOT_FOUND, ETCD_ERRORS.leaseNotFound);
    }),
    LeaseTimeToLive: call('LeaseTimeToLive', (r: { ID: number }) => ({
      header: now(),
      ID: r.ID,
      TTL: -1,
      grantedTTL: 0,
      keys: [],
    })),
    LeaseLeases: call('LeaseLeases', () => ({ header: now(), leases: [] })),
    LeaseKeepAlive: (stream: ServerDuplexStream<{ ID: number }, unknown>) => {
      // etcd answers a keep-alive of an unknown lease with TTL 0 ("lease expired or revoked").
      stream.on('data', (r: { ID: number }) => stream.write({ header: now(), ID: r.ID, TTL: 0 }));
      stream.on('end', () => stream.end());
      stream.on('error', () => {});
    },
  };

  const members = () => [
    {
      ID: identity.memberId,
      name: identity.name,
      peerURLs: [],
      clientURLs: identity.clientUrls(),
      isLearner: false,
    },
  ];
  const noMembership =
    'kvstore members are not managed through the etcd API: a node joins by starting kvstore on the same log.url ' +
    '(docs/operations.md), and leaves by stopping';
  const clusterHandlers: UntypedServiceImplementation = {
    MemberList: call('MemberList', () => ({ header: now(), members: members() })),
    MemberAdd: call('MemberAdd', unsupported(noMembership)),
    MemberRemove: call('MemberRemove', unsupported(noMembership)),
    MemberUpdate: call('MemberUpdate', unsupported(noMembership)),
    MemberPromote: call('MemberPromote', unsupported(noMembership)),
  };

  const hash32 = (hex: string) => Number.parseInt(hex.slice(0, 8), 16) >>> 0;
  const maintenanceHandlers: UntypedServiceImplementation = {
    Status: call('Status', async (_r: unknown, access) => {
      const s = await admin.status(access);
      return {
        header: header(s.header),
        version: ETCD_COMPAT_VERSION,
        dbSize: s.log_bytes,
        leader: identity.memberId,
        raftIndex: s.header.revision,
        raftTerm: RAFT_TERM,
        raftAppliedIndex: s.header.revision,
        errors: [],
        dbSizeInUse: s.log_bytes,
        isLearner: false,
      };
    }),
    HashKV: call('HashKV', async (r: { revision: number }, access) => {
      const h = await admin.hashKv(r.revision, access);
      return {
        header: header(h.header),
        hash: hash32(h.hash),
        compact_revision: h.compact_revision,
        hash_revision: h.hash_revision,
      };
    }),
    Hash: call('Hash', async (_r: unknown, access) => {
      const h = await admin.hashKv(0, access);
      return { header: header(h.header), hash: hash32(h.hash) };
    }),
    Alarm: call('Alarm', (r: { action: string }) => {
      if (r.action === 'ACTIVATE') {
        throw new UnsupportedError(
          'kvstore raises no etcd alarms; alarms cannot be activated through the etcd API',
        );
      }
      return { header: now(), alarms: [] };
    }),
    // Nothing to defragment through this API (see docs/etcd.md): answered as done, changing nothing.
    Defragment: call('Defragment', () => ({ header: now() })),
    MoveLeader: call(
      'MoveLeader',
      unsupported('kvstore has no leader of its own to move: a cluster log is led by NATS JetStream'),
    ),
    Snapshot: (stream: ServerWritableStream<unknown, unknown>) => {
      void streamSnapshot(parts, stream);
    },
  };

  return [
    { definition: etcdserverpb.KV.service, implementation: kvHandlers },
    { definition: etcdserverpb.Lease.service, implementation: leaseHandlers },
    { definition: etcdserverpb.Cluster.service, implementation: clusterHandlers },
    { definition: etcdserverpb.Maintenance.service, implementation: maintenanceHandlers },
    etcdAuthService(parts.auth, call, now),
  ];
}

/**
 * Maintenance.Snapshot: kvstore's own full backup (the format `kvstore restore` reads, docs/backup.md),
 * chunk by chunk, in etcd's snapshot envelope: zero bytes up to 32 short of a multiple of 512, then the
 * SHA-256 of everything before (etcdctl snapshot save checks that shape). Each message's remaining_bytes is
 * the size of the next one (0 on the last), since the total is only known at the end.
 */
async function streamSnapshot(parts: EtcdParts, call: ServerWritableStream<unknown, unknown>): Promise<void> {
  let cancelled = false;
  call.on('cancelled', () => {
    cancelled = true;
  });
  let backup: BackupStream | null = null;
  try {
    backup = await parts.admin.backup(0, parts.ctx.accessOf(call.metadata));
    const sha = createHash('sha256');
    let size = 0;
    let held: Buffer | null = null;
    const send = async (blob: Buffer, remaining: number) => {
      const header = headerOf(parts.identity, parts.store.revision);
      if (!call.write({ header, remaining_bytes: remaining, blob })) {
        await new Promise<void>((resolve) => call.once('drain', () => resolve()));
      }
    };
    const push = async (blob: Buffer) => {
      if (held !== null) await send(held, blob.length);
      held = blob;
    };
    for await (const chunk of backup.chunks) {
      if (cancelled) return;
      sha.update(chunk.data);
      size += chunk.data.length;
      await push(chunk.data);
    }
    const padding = Buffer.alloc((512 - (size % 512)) % 512);
    sha.update(padding);
    await push(Buffer.concat([padding, sha.digest()]));
    if (held !== null && !cancelled) await send(held, 0);
    call.end();
  } catch (err) {
    const { error, expected } = etcdRpcError(err);
    if (!expected) parts.ctx.logger.error({ method: 'etcd.Snapshot', err }, 'request failed unexpectedly');
    if (!cancelled) call.emit('error', error.toServiceError());
  } finally {
    backup?.release();
  }
}
