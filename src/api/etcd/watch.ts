import { type ServerDuplexStream, type ServiceDefinition, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { EtcdWatchCreateInput } from '../../service/etcd-messages.js';
import { ETCD_ERRORS, etcdWatchFilter } from '../../service/etcd-operations.js';
import { watchEndError } from '../../service/watch-operations.js';
import type { KvStore } from '../../store/kv-store.js';
import type { WatchBatch, WatchEncoder } from '../../streams/watch-batch.js';
import type { WatchHub } from '../../streams/watch-hub.js';
import type { WatchEnd, WatchStream } from '../../streams/watch-source.js';
import type { Watcher } from '../../streams/watcher.js';
import { GRPC_STATUS, RpcError } from '../grpc/status-errors.js';
import type { AccessOf } from '../grpc/unary.js';
import { etcdRpcError } from './errors.js';
import { etcdserverpb } from './proto.js';
import { type EtcdIdentity, headerOf } from './services.js';

const watchMethod = etcdserverpb.Watch.service.Watch!;

/** etcdserverpb.Watch whose responses may be pre-encoded Buffers (one encoding per revision and group). */
export const etcdWatchDefinition: ServiceDefinition = {
  ...etcdserverpb.Watch.service,
  Watch: {
    ...watchMethod,
    responseSerialize: (value: unknown) =>
      Buffer.isBuffer(value) ? value : watchMethod.responseSerialize(value as never),
  },
};

/** The encoder's progress notes, so that a watch without progress_notify can drop them. */
const progressNotes = new WeakSet<Buffer>();

const EMPTY = Buffer.alloc(0);

/**
 * The etcd hub's encoder: a WatchResponse without its watch_id (header and events), shared by every watch
 * of a group; each watch puts its own watch_id in front (protobuf fields may come in any order).
 */
export function etcdWatchEncoder(identity: EtcdIdentity): WatchEncoder {
  return (batch: WatchBatch) => {
    const message = watchMethod.responseSerialize({
      header: headerOf(identity, batch.revision),
      events: batch.events.map((e) => ({
        type: e.type === 'put' ? 'PUT' : 'DELETE',
        kv: e.put
          ? {
              key: Buffer.from(e.key, 'utf8'),
              value: Buffer.from(e.put.value.buffer, e.put.value.byteOffset, e.put.value.byteLength),
              create_revision: e.put.createRevision,
              mod_revision: e.revision,
              version: e.put.version,
              lease: e.put.lease ?? 0,
            }
          : { key: Buffer.from(e.key, 'utf8'), value: EMPTY, mod_revision: e.revision },
        prev_kv: e.prev
          ? {
              key: Buffer.from(e.prev.key, 'utf8'),
              value: Buffer.from(e.prev.value.buffer, e.prev.value.byteOffset, e.prev.value.byteLength),
              create_revision: e.prev.createRevision,
              mod_revision: e.prev.modRevision,
              version: e.prev.version,
              lease: e.prev.lease,
            }
          : null,
      })),
    } as never);
    if (batch.progress) progressNotes.add(message);
    return message;
  };
}

/** Field 2 (watch_id, int64 varint) of a WatchResponse, for a non-negative id. */
function watchIdField(id: number): Buffer {
  const bytes = [0x10];
  let v = id;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

interface WatchRequestWire {
  readonly request_union?: 'create_request' | 'cancel_request' | 'progress_request';
  readonly create_request?: (EtcdWatchCreateInput & { watch_id: number; progress_notify: boolean }) | null;
  readonly cancel_request?: { watch_id: number } | null;
}

type EtcdWatchCall = ServerDuplexStream<WatchRequestWire, unknown>;

/** One watch of a stream: its id, whether it wants progress notes, its watcher once started. */
class EtcdWatch implements WatchStream {
  watcher: Watcher | null = null;
  private readonly prefix: Buffer;
  private lastBytes = 0;

  constructor(
    readonly id: number,
    private readonly progressNotify: boolean,
    private readonly call: EtcdWatchCall,
    private readonly ended: (watch: EtcdWatch, reason: WatchEnd | undefined) => void,
  ) {
    this.prefix = watchIdField(id);
  }

  write(message: Buffer): boolean {
    if (!this.progressNotify && progressNotes.has(message)) return true;
    const framed = Buffer.concat([this.prefix, message]);
    this.lastBytes = framed.length;
    return this.call.write(framed);
  }

  bufferedBytes(): number {
    return this.call.writableLength * this.lastBytes;
  }

  onceDrained(listener: () => void): void {
    this.call.once('drain', listener);
  }

  end(reason?: WatchEnd): void {
    this.ended(this, reason);
  }
}

/**
 * The etcd Watch handler: one bidi stream carries many watches (create with a client-chosen or assigned
 * watch_id, cancel, progress request), each a watcher of the hub, so the same no-gap catch-up-then-live
 * guarantee as kvstore.v1 Watch holds. A compacted start cancels that watch with compact_revision set.
 */
export function etcdWatchHandler(
  hub: WatchHub,
  store: KvStore,
  identity: EtcdIdentity,
  logger: Logger,
  accessOf: AccessOf,
) {
  return (call: EtcdWatchCall): void => {
    const access = accessOf(call);
    const watches = new Map<number, EtcdWatch>();
    let nextId = 0;
    let open = true;
    const send = (response: Record<string, unknown>) => {
      if (open) call.write({ header: headerOf(identity, store.revision), ...response });
    };
    const ended = (watch: EtcdWatch, reason: WatchEnd | undefined) => {
      if (watches.get(watch.id) !== watch) return;
      watches.delete(watch.id);
      if (reason?.kind === 'shutdown') {
        closeAll();
        const error = watchEndError(reason)!;
        call.emit('error', new RpcError(GRPC_STATUS[error.code], error.message).toServiceError());
        return;
      }
      if (reason?.kind === 'compacted') {
        send({
          watch_id: watch.id,
          canceled: true,
          compact_revision: reason.compactRevision,
          cancel_reason: ETCD_ERRORS.compacted,
        });
        return;
      }
      send({
        watch_id: watch.id,
        canceled: true,
        cancel_reason: reason ? watchEndError(reason)!.message : '',
      });
    };
    const closeAll = () => {
      open = false;
      for (const w of watches.values()) w.watcher?.cancelled();
      watches.clear();
    };
    const create = (request: NonNullable<WatchRequestWire['create_request']>) => {
      let id = request.watch_id;
      if (id === 0 || id === undefined) {
        while (watches.has(nextId)) nextId++;
        id = nextId++;
      } else if (watches.has(id)) {
        send({
          watch_id: id,
          created: true,
          canceled: true,
          cancel_reason: 'etcdserver: mvcc: watcher ID in use',
        });
        return;
      }
      let filter: ReturnType<typeof etcdWatchFilter>;
      try {
        filter = etcdWatchFilter(request, store.limits, access);
      } catch (err) {
        const { error } = etcdRpcError(err);
        // etcd 3.4 words a refused watch as the gRPC error's text (etcdctl prints it as is).
        const reason =
          error.code === status.PERMISSION_DENIED
            ? `rpc error: code = PermissionDenied desc = ${error.message}`
            : error.message;
        send({ watch_id: -1, created: true, canceled: true, cancel_reason: reason });
        return;
      }
      const watch = new EtcdWatch(id, request.progress_notify, call, ended);
      watches.set(id, watch);
      // "created" goes out before the first event (the watcher may start delivering at once).
      send({ watch_id: id, created: true });
      watch.watcher = hub.watch(watch, filter, request.start_revision);
      logger.debug(
        { watchId: id, selector: filter.selector, startRevision: request.start_revision },
        'etcd watch started',
      );
    };
    call.on('data', (request: WatchRequestWire) => {
      if (!open) return;
      if (request.request_union === 'create_request' && request.create_request)
        create(request.create_request);
      else if (request.request_union === 'cancel_request' && request.cancel_request) {
        const id = request.cancel_request.watch_id;
        const watch = watches.get(id);
        if (!watch) return;
        watches.delete(id);
        watch.watcher?.cancelled();
        send({ watch_id: id, canceled: true });
      } else if (request.request_union === 'progress_request') {
        // etcd 3.5: one note for the whole stream (watch_id -1), only when every watch is current.
        if ([...watches.values()].every((w) => w.watcher?.current ?? false)) send({ watch_id: -1 });
      }
    });
    call.on('end', () => {
      closeAll();
      call.end();
    });
    call.on('cancelled', closeAll);
    call.on('error', closeAll);
  };
}
