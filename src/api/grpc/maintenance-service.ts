import type {
  handleServerStreamingCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { AdminOperations, BackupStream } from '../../service/admin-operations.js';
import type { AdminHandlers } from '../generated/kvstore/v1/Admin.js';
import type { BackupChunk } from '../generated/kvstore/v1/BackupChunk.js';
import type { BackupRequest__Output } from '../generated/kvstore/v1/BackupRequest.js';
import type { CompactRequest__Output } from '../generated/kvstore/v1/CompactRequest.js';
import type { CompactResponse } from '../generated/kvstore/v1/CompactResponse.js';
import type { HashKVRequest__Output } from '../generated/kvstore/v1/HashKVRequest.js';
import type { HashKVResponse } from '../generated/kvstore/v1/HashKVResponse.js';
import { toRpcError } from './status-errors.js';
import type { HandlerContext } from './unary.js';
import { unary } from './unary.js';

/** The Admin methods that look after the history: Backup, Compact, HashKV. */
export type MaintenanceHandlers = Pick<AdminHandlers, 'Backup' | 'Compact' | 'HashKV'>;

/** Handlers of Admin.Backup, Admin.Compact and Admin.HashKV. */
export function maintenanceHandlers(
  ops: AdminOperations,
  ctx: HandlerContext,
): MaintenanceHandlers & UntypedServiceImplementation {
  return {
    Backup: backupHandler(ops, ctx),
    Compact: unary<CompactRequest__Output, CompactResponse>('Compact', ctx, (request, access) =>
      ops.compact(request.revision, access),
    ),
    HashKV: unary<HashKVRequest__Output, HashKVResponse>('HashKV', ctx, (request, access) =>
      ops.hashKv(request.revision, access),
    ),
  };
}

/**
 * Streams a backup in chunks of about 1 MiB, waiting for the transport to drain (so a slow client never
 * makes the server buffer the backup) and stopping when the client goes away.
 */
function backupHandler(
  ops: AdminOperations,
  ctx: HandlerContext,
): handleServerStreamingCall<BackupRequest__Output, BackupChunk> {
  return (call) => {
    void streamBackup(ops, ctx, call);
  };
}

async function streamBackup(
  ops: AdminOperations,
  ctx: HandlerContext,
  call: ServerWritableStream<BackupRequest__Output, BackupChunk>,
): Promise<void> {
  const started = performance.now();
  let cancelled = false;
  call.on('cancelled', () => {
    cancelled = true;
  });
  let backup: BackupStream | null = null;
  try {
    backup = await ops.backup(call.request.from_revision, ctx.accessOf(call));
    for await (const chunk of backup.chunks) {
      if (cancelled) break;
      if (!call.write(chunk)) await drained(call);
    }
    const seconds = (performance.now() - started) / 1000;
    if (cancelled) {
      ctx.logger.info({ items: backup.itemsDone(), seconds }, 'backup cancelled by the client');
      ctx.observe?.('Backup', status.CANCELLED, seconds);
      return;
    }
    call.end();
    ctx.logger.info(
      { kind: backup.kind, base: backup.baseRevision, items: backup.itemsDone(), seconds },
      'backup sent',
    );
    ctx.observe?.('Backup', status.OK, seconds);
  } catch (err) {
    const { error, expected } = toRpcError(err);
    if (!expected) ctx.logger.error({ method: 'Backup', err }, 'request failed unexpectedly');
    ctx.observe?.('Backup', error.code, (performance.now() - started) / 1000);
    if (!cancelled) call.emit('error', error.toServiceError());
  } finally {
    backup?.release();
  }
}

function drained(call: ServerWritableStream<BackupRequest__Output, BackupChunk>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}
