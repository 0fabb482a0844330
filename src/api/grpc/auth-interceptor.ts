import { ServerInterceptingCall, type ServerInterceptor, status } from '@grpc/grpc-js';
import { type Authenticator, Unauthenticated } from '../../security/api-keys.js';

export type { Authenticator };

/** Services answered without credentials: grpc.health.v1, like /healthz (issue 13, item 8). */
export const OPEN_SERVICES: readonly string[] = ['/grpc.health.v1.Health/'];

/**
 * The one gate of every gRPC call, unary and streaming, on every service the server registers (kvstore.v1,
 * the etcd API, reflection): a call whose metadata carries no accepted credential is answered
 * UNAUTHENTICATED before its handler runs (the handler starts only once metadata is passed on). The
 * `authorization` entry is removed before the handler sees the metadata, so no handler holds the secret.
 * Installed last in the server's list, so it wraps the other interceptors (their bookkeeping sees the
 * refusal as the call's end).
 */
export function authInterceptor(
  authenticator: Authenticator,
  onRefused: (path: string, details: string) => void = () => {},
): ServerInterceptor {
  return (method, call) => {
    if (OPEN_SERVICES.some((prefix) => method.path.startsWith(prefix))) return call as ServerInterceptingCall;
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            const values = metadata.get('authorization');
            const value = values.length === 1 ? values[0] : undefined;
            try {
              if (values.length > 1) throw new Unauthenticated('more than one authorization entry was sent');
              if (value !== undefined && typeof value !== 'string')
                throw new Unauthenticated('authorization must be text, not binary metadata');
              authenticator.authenticate(value);
            } catch (err) {
              if (!(err instanceof Unauthenticated)) throw err;
              onRefused(method.path, err.message);
              call.sendStatus({ code: status.UNAUTHENTICATED, details: err.message });
              return;
            }
            metadata.remove('authorization');
            forward(metadata);
          },
        });
      },
    });
  };
}
