import { ServerInterceptingCall, type ServerInterceptor, type ServerMethodDefinition } from '@grpc/grpc-js';
import { type Access, NO_ACCESS } from '../../service/access.js';
import type { RateLimiter } from '../../service/rate-limiter.js';
import { type RequestCheck, requestBytes } from './admission.js';
import { refuseCall } from './status-errors.js';
import type { AccessOf } from './unary.js';

/**
 * Charges each call to its principal's rate limit when its request arrives (streams: their opening
 * request), before any handler runs; a call over the limit is answered RESOURCE_EXHAUSTED with
 * `retry-after-ms` in its trailers. Installed inside the authentication gate, which names the principal.
 * `except` names calls charged by another layer with {@link rateLimitCheck} (the server: admission's).
 */
export function rateLimitInterceptor(
  limiter: RateLimiter,
  accessOf: AccessOf,
  onRefused: (path: string, details: string) => void = () => {},
  except: (method: ServerMethodDefinition<unknown, unknown>) => boolean = () => false,
): ServerInterceptor {
  return (method, call) => {
    if (except(method)) return call as ServerInterceptingCall;
    let access: Access = NO_ACCESS;
    let charged = false;
    let refused = false;
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            access = accessOf({ metadata });
            forward(metadata);
          },
          onReceiveMessage(message, forward) {
            if (refused) return;
            if (!charged) {
              charged = true;
              const error = limiter.admit(access, requestBytes(message));
              if (error !== null) {
                refused = true;
                refuseCall(call, method.path, error, onRefused);
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

/** The same charge as a check run inside admission's layer, for the unary calls admission wraps. */
export function rateLimitCheck(
  limiter: RateLimiter,
  accessOf: AccessOf,
  onRefused: (path: string, details: string) => void = () => {},
): RequestCheck {
  return { check: (metadata, bytes) => limiter.admit(accessOf({ metadata }), bytes), onRefused };
}
