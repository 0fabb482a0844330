import { type Metadata, ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { type Access, NO_ACCESS } from '../../service/access.js';
import type { RateLimiter } from '../../service/rate-limiter.js';
import { requestBytes } from './admission.js';
import { toRpcError } from './status-errors.js';

/**
 * Charges each call to its principal's rate limit when its request arrives (streams: their opening
 * request), before any handler runs; a call over the limit is answered RESOURCE_EXHAUSTED with
 * `retry-after-ms` in its trailers. Installed inside the authentication gate, which names the principal.
 */
export function rateLimitInterceptor(
  limiter: RateLimiter,
  accessOf: (metadata: Metadata) => Access,
  onRefused: (path: string, details: string) => void = () => {},
): ServerInterceptor {
  return (method, call) => {
    let access: Access = NO_ACCESS;
    let charged = false;
    let refused = false;
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            access = accessOf(metadata);
            forward(metadata);
          },
          onReceiveMessage(message, forward) {
            if (refused) return;
            if (!charged) {
              charged = true;
              const error = limiter.admit(access, requestBytes(message));
              if (error !== null) {
                refused = true;
                const rpc = toRpcError(error).error;
                onRefused(method.path, rpc.message);
                call.sendStatus({ code: rpc.code, details: rpc.message, metadata: rpc.metadata });
                return;
              }
            }
            forward(message);
          },
          // A refused call is over: its handler must not start without its request.
          onReceiveHalfClose(forward) {
            if (!refused) forward();
          },
        });
      },
    });
  };
}
