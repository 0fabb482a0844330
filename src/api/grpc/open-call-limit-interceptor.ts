import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { type PeerRateLimiter, peerAddress } from '../../service/peer-rate-limiter.js';
import { refuseCall } from './status-errors.js';

/**
 * Charges calls of `path` (a method open without credentials, as etcd's Authenticate) to the caller's IP
 * address when they arrive, before the handler: one over the limit is answered RESOURCE_EXHAUSTED with
 * `retry-after-ms` in its trailers, and `onRefused` hears of it (the audit log). Other methods pass.
 */
export function openCallLimitInterceptor(
  path: string,
  limiter: PeerRateLimiter,
  onRefused: (path: string, details: string) => void = () => {},
): ServerInterceptor {
  return (method, call) => {
    if (method.path !== path) return call as ServerInterceptingCall;
    let refused = false;
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            const error = limiter.admit(peerAddress(call.getPeer()));
            if (error !== null) {
              refused = true;
              refuseCall(call, method.path, error, onRefused);
              return;
            }
            forward(metadata);
          },
          onReceiveMessage(message, forward) {
            if (!refused) forward(message);
          },
          onReceiveHalfClose(forward) {
            if (!refused) forward();
          },
        });
      },
    });
  };
}
