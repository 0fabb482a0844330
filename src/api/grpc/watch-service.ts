import type { Http2Stream } from 'node:http2';
import type { ServerWritableStream, ServiceDefinition } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { startWatch, watchEndError } from '../../service/watch-operations.js';
import type { Limits } from '../../store/limits.js';
import type { WatchBatch, WatchEncoder } from '../../streams/watch-batch.js';
import type { WatchHub } from '../../streams/watch-hub.js';
import type { WatchEnd, WatchStream } from '../../streams/watch-source.js';
import type { WatchRequest__Output } from '../generated/kvstore/v1/WatchRequest.js';
import type { WatchResponse } from '../generated/kvstore/v1/WatchResponse.js';
import { kvstoreV1 } from '../proto.js';
import { GRPC_STATUS, RpcError, toRpcError } from './status-errors.js';
import type { AccessOf } from './unary.js';

const watchMethod = kvstoreV1.KV.service.Watch;

/**
 * The KV service definition with one change: Watch responses that are already encoded (a Buffer, shared by
 * every watcher of the same group) go out as they are, so a revision is serialised once, not per watcher.
 */
export const kvServiceDefinition: ServiceDefinition = {
  ...kvstoreV1.KV.service,
  Watch: {
    ...watchMethod,
    responseSerialize: (value: unknown) =>
      Buffer.isBuffer(value) ? value : watchMethod.responseSerialize(value as never),
  },
};

const EMPTY = Buffer.alloc(0);

/** Encodes a watch batch as a kvstore.v1.WatchResponse in a gRPC frame (flag byte, length, message). */
export const encodeWatchBatch: WatchEncoder = (batch: WatchBatch) => {
  const response: WatchResponse = {
    header: { revision: batch.revision },
    progress: batch.progress,
    events: batch.events.map((e) => ({
      type: e.type === 'put' ? 'PUT' : e.type === 'delete' ? 'DELETE' : 'EXPIRE',
      kv: e.put
        ? {
            key: e.key,
            value: Buffer.from(e.put.value.buffer, e.put.value.byteOffset, e.put.value.byteLength),
            create_revision: e.put.createRevision,
            mod_revision: e.revision,
            version: e.put.version,
            expires_at_ms: e.put.expiresAt,
          }
        : { key: e.key, value: EMPTY, mod_revision: e.revision },
      prev_kv: e.prev
        ? {
            key: e.prev.key,
            value: Buffer.from(e.prev.value.buffer, e.prev.value.byteOffset, e.prev.value.byteLength),
            create_revision: e.prev.createRevision,
            mod_revision: e.prev.modRevision,
            version: e.prev.version,
            expires_at_ms: e.prev.expiresAt,
          }
        : null,
    })),
  };
  const message = watchMethod.responseSerialize(response);
  // gRPC's length-prefixed framing, done once per message for every watcher that receives it.
  const framed = Buffer.allocUnsafe(message.length + 5);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, 5);
  return framed;
};

/**
 * What grpc-js keeps under a server stream (@grpc/grpc-js 1.14, BaseServerInterceptingCall): the HTTP/2
 * stream and the method that sends the response headers once. Writing a pre-framed message straight to the
 * HTTP/2 stream skips, per watcher and per message, grpc-js's object-mode Writable, its serializer call and
 * its copy into a fresh frame; one framed Buffer then serves every watcher of a group.
 */
interface GrpcCallInternals {
  readonly stream: Http2Stream;
  readonly cancelled: boolean;
  maybeSendMetadata(): void;
  checkCancelled(): boolean;
}

function internalsOf(
  call: ServerWritableStream<WatchRequest__Output, WatchResponse>,
): GrpcCallInternals | null {
  const inner = (call as unknown as { call?: Partial<GrpcCallInternals> }).call;
  return inner &&
    typeof inner.maybeSendMetadata === 'function' &&
    typeof inner.checkCancelled === 'function' &&
    typeof inner.stream?.write === 'function'
    ? (inner as GrpcCallInternals)
    : null;
}

/**
 * Adapts a gRPC server stream to the watcher's transport interface. A class, not an object of closures:
 * there is one per open watch, and idle watches are meant to cost little memory. Messages arrive framed
 * (see {@link encodeWatchBatch}); when grpc-js's internals are not as expected they go through its public
 * `write` instead (unframed).
 */
class GrpcWatchStream implements WatchStream {
  private readonly direct: GrpcCallInternals | null;
  /** Through grpc-js's object-mode Writable only: the size of the last message, to estimate its buffer. */
  private lastBytes = 0;

  constructor(private readonly call: ServerWritableStream<WatchRequest__Output, WatchResponse>) {
    this.direct = internalsOf(call);
  }

  write(framed: Buffer): boolean {
    const direct = this.direct;
    if (direct === null) {
      this.lastBytes = framed.length;
      return this.call.write(framed.subarray(5) as unknown as WatchResponse);
    }
    // A stream the client already closed takes no more writes; grpc-js reports the cancellation.
    if (direct.checkCancelled()) return true;
    direct.maybeSendMetadata();
    return direct.stream.write(framed);
  }

  bufferedBytes(): number {
    // writableLength of the HTTP/2 stream: bytes not yet sent (flow control holds them while the client
    // does not read); grpc-js's Writable counts messages, so that path estimates.
    if (this.direct) return this.direct.stream.writableLength;
    return this.call.writableLength * this.lastBytes;
  }

  onceDrained(listener: () => void): void {
    if (this.direct) this.direct.stream.once('drain', listener);
    else this.call.once('drain', listener);
  }

  end(reason?: WatchEnd): void {
    const error = watchEndError(reason);
    if (error === null) this.call.end();
    else
      this.call.emit(
        'error',
        new RpcError(GRPC_STATUS[error.code], error.message, error.details).toServiceError(),
      );
  }
}

/** The KV.Watch handler; `accessOf` says what the caller may read. */
export function watchHandler(hub: WatchHub, limits: Limits, logger: Logger, accessOf: AccessOf) {
  return (call: ServerWritableStream<WatchRequest__Output, WatchResponse>): void => {
    let started: ReturnType<typeof startWatch>;
    try {
      started = startWatch(hub, new GrpcWatchStream(call), call.request, limits, accessOf(call));
    } catch (err) {
      const { error } = toRpcError(err);
      call.emit('error', error.toServiceError());
      return;
    }
    const { watcher, filter } = started;
    logger.debug({ selector: filter.selector, startRevision: call.request.start_revision }, 'watch started');
    call.on('cancelled', () => {
      watcher.cancelled();
      logger.debug({ selector: filter.selector }, 'watch cancelled by the client');
    });
  };
}
