import { createHash } from 'node:crypto';
import {
  Metadata,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Access } from '../../service/access.js';
import type { BackupStream } from '../../service/admin-operations.js';
import { defragmentLog } from '../../service/defragment.js';
import { etcdMembers, MEMBERSHIP_CHANGES } from '../../service/etcd-members.js';
import { UnsupportedError } from '../../service/etcd-operations.js';
import { unary } from '../grpc/unary.js';
import { asEtcd, etcdRpcError } from './errors.js';
import { etcdserverpb } from './proto.js';
import { type EtcdParts, headerOf, RAFT_TERM, type ServiceEntry } from './services.js';

/*
 * etcdserverpb.Cluster and etcdserverpb.Maintenance over kvstore: membership is the nodes on one log,
 * maintenance the store's status, hash, backup (as etcd's snapshot) and the log's compaction of its file.
 */

/**
 * The version Status reports: etcd clients enable features by it (Kubernetes asks watch progress of
 * servers >= 3.5.13, which kvstore answers). docs/etcd.md lists what kvstore serves of that version.
 */
export const ETCD_COMPAT_VERSION = '3.5.13';

/** Response metadata of Defragment saying what it did (etcd's DefragmentResponse has only a header). */
export const DEFRAGMENT_METADATA = 'kvstore-defragment';

/**
 * Status.dbSizeInUse: the log's bytes that hold data (SQLite: less its free pages, which Defragment gives
 * back), only for those who see dbSize (admins; 0 for others, as dbSize).
 */
async function dbSizeInUse(parts: EtcdParts, dbSize: number): Promise<number> {
  const log = parts.store.eventLog;
  if (dbSize === 0 || log.storageInUseBytes === undefined) return dbSize;
  return Math.min(dbSize, await log.storageInUseBytes().catch(() => dbSize));
}

/** Defragment, saying what was done in the response metadata and the server's log. */
async function defragment(
  parts: EtcdParts,
  access: Access,
  rpc: ServerUnaryCall<unknown, object>,
): Promise<object> {
  parts.ctx.logger.info({ log: parts.store.eventLog.describe() }, 'defragment requested');
  const report = await defragmentLog(parts.store.eventLog, access);
  parts.ctx.logger.info({ ...report }, 'defragment finished');
  const metadata = new Metadata();
  metadata.set(DEFRAGMENT_METADATA, report.detail.replace(/[^\x20-\x7e]/g, '?'));
  rpc.sendMetadata(metadata);
  return { header: headerOf(parts.identity, parts.store.revision) };
}

/** The Cluster and Maintenance services. */
export function etcdMaintenanceServices(
  parts: EtcdParts,
  call: <Req, Res>(method: string, run: (request: Req, access: Access) => Res | Promise<Res>) => unknown,
  now: () => object,
): ServiceEntry[] {
  const { admin, identity } = parts;
  const header = (h: { revision: number }) => headerOf(identity, h.revision);
  const unsupported = (message: string) => () => {
    throw new UnsupportedError(message);
  };
  const self = () => ({ id: identity.memberId, name: identity.name, clientUrls: identity.clientUrls() });
  const unreadable = (err: unknown) =>
    parts.ctx.logger.warn({ err }, 'MemberList: the other nodes cannot be read; answering this node alone');
  const clusterHandlers = {
    MemberList: call('MemberList', async () => ({
      header: now(),
      members: await etcdMembers(identity.membership, self(), unreadable),
    })),
    MemberAdd: call('MemberAdd', unsupported(MEMBERSHIP_CHANGES)),
    MemberRemove: call('MemberRemove', unsupported(MEMBERSHIP_CHANGES)),
    MemberUpdate: call('MemberUpdate', unsupported(MEMBERSHIP_CHANGES)),
    MemberPromote: call('MemberPromote', unsupported(MEMBERSHIP_CHANGES)),
  } as UntypedServiceImplementation;

  const hash32 = (hex: string) => Number.parseInt(hex.slice(0, 8), 16) >>> 0;
  const maintenanceHandlers = {
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
        dbSizeInUse: await dbSizeInUse(parts, s.log_bytes),
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
    // etcd's answer has no room to say what was done: the server's log and the `kvstore-defragment`
    // response metadata do (on PostgreSQL, JetStream and memory logs: that nothing was).
    Defragment: unary<unknown, object>('etcd.Defragment', parts.ctx, (_r, access, rpc) =>
      asEtcd(
        () => defragment(parts, access, rpc),
        (err) => parts.ctx.logger.error({ method: 'Defragment', err }, 'request failed unexpectedly'),
      ),
    ),
    MoveLeader: call(
      'MoveLeader',
      unsupported('kvstore has no leader of its own to move: a cluster log is led by NATS JetStream'),
    ),
    Snapshot: (stream: ServerWritableStream<unknown, unknown>) => {
      void streamSnapshot(parts, stream);
    },
  } as UntypedServiceImplementation;

  return [
    { definition: etcdserverpb.Cluster.service, implementation: clusterHandlers },
    { definition: etcdserverpb.Maintenance.service, implementation: maintenanceHandlers },
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
    backup = await parts.admin.backup(0, parts.ctx.accessOf(call));
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
