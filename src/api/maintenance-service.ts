import type {
  handleServerStreamingCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { StoreBackup } from '../backup/backup-source.js';
import { backupOf } from '../backup/backup-source.js';
import { encodeBackup } from '../backup/backup-writer.js';
import { LogClosedError } from '../log/event-log.js';
import { StoreUnavailableError } from '../store/errors.js';
import type { KvStore } from '../store/kv-store.js';
import type { AdminHandlers } from './generated/kvstore/v1/Admin.js';
import type { BackupChunk } from './generated/kvstore/v1/BackupChunk.js';
import type { BackupRequest__Output } from './generated/kvstore/v1/BackupRequest.js';
import type { CompactRequest__Output } from './generated/kvstore/v1/CompactRequest.js';
import type { CompactResponse } from './generated/kvstore/v1/CompactResponse.js';
import type { HashKVRequest__Output } from './generated/kvstore/v1/HashKVRequest.js';
import type { HashKVResponse } from './generated/kvstore/v1/HashKVResponse.js';
import { toRpcError } from './status-errors.js';
import type { HandlerContext } from './unary.js';
import { unary } from './unary.js';

/** The Admin methods that look after the history: Backup, Compact, HashKV. */
export type MaintenanceHandlers = Pick<AdminHandlers, 'Backup' | 'Compact' | 'HashKV'>;

/** Handlers of Admin.Backup, Admin.Compact and Admin.HashKV. */
export function maintenanceHandlers(
  store: KvStore,
  ctx: HandlerContext,
): MaintenanceHandlers & UntypedServiceImplementation {
  return {
    Backup: backupHandler(store, ctx),

    Compact: unary<CompactRequest__Output, CompactResponse>('Compact', ctx, async (request) => {
      const result = await store.compact(request.revision);
      return {
        header: { revision: store.revision },
        compact_revision: result.compactRevision,
        removed: result.removed,
      };
    }),

    HashKV: unary<HashKVRequest__Output, HashKVResponse>('HashKV', ctx, async (request) => {
      const result = await store.hashKv(request.revision);
      return {
        header: { revision: store.revision },
        hash: result.hash,
        hash_revision: result.revision,
        keys: result.keys,
        compact_revision: result.compactRevision,
      };
    }),
  };
}

/**
 * Streams a backup in chunks of about 1 MiB, waiting for the transport to drain (so a slow client never
 * makes the server buffer the backup) and stopping when the client goes away.
 */
function backupHandler(
  store: KvStore,
  ctx: HandlerContext,
): handleServerStreamingCall<BackupRequest__Output, BackupChunk> {
  return (call) => {
    void streamBackup(store, ctx, call);
  };
}

async function streamBackup(
  store: KvStore,
  ctx: HandlerContext,
  call: ServerWritableStream<BackupRequest__Output, BackupChunk>,
): Promise<void> {
  const started = performance.now();
  let cancelled = false;
  call.on('cancelled', () => {
    cancelled = true;
  });
  let backup: StoreBackup | null = null;
  try {
    backup = await backupOf(store, call.request.from_revision);
    let done = 0;
    let total = backup.expectedItems;
    const chunks = encodeBackup(backup.content, (items) => {
      done = items;
    });
    for await (const data of chunks) {
      if (cancelled) break;
      total = Math.max(total, done);
      if (!call.write({ data, items_done: done, items_total: total })) await drained(call);
    }
    const seconds = (performance.now() - started) / 1000;
    if (cancelled) {
      ctx.logger.info({ items: done, seconds }, 'backup cancelled by the client');
      ctx.observe?.('Backup', status.CANCELLED, seconds);
      return;
    }
    call.end();
    ctx.logger.info(
      { kind: backup.content.kind, base: backup.content.baseRevision, items: done, seconds },
      'backup sent',
    );
    ctx.observe?.('Backup', status.OK, seconds);
  } catch (err) {
    const { error, expected } = toRpcError(
      err instanceof LogClosedError ? new StoreUnavailableError('the store is shutting down') : err,
    );
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
