import {
  type Metadata,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerMethodDefinition,
  status,
} from '@grpc/grpc-js';
import { type Authenticator, type RefusalReason, Unauthenticated } from '../../security/principal.js';
import {
  ETCD_AUTHENTICATE_PATH,
  ETCD_PATH_PREFIX,
  ETCD_TOKEN_METADATA,
  etcdRefusal,
  etcdTokenAuthorization,
} from '../etcd/auth.js'; // etcd auth
import { admitPrincipal } from './call-principal.js';

export type { Authenticator };

/**
 * Services answered without credentials: grpc.health.v1, like /healthz (issue 13, item 8), and etcd's
 * Authenticate (etcd auth: a client calls it to get its token).
 */
export const OPEN_SERVICES: readonly string[] = ['/grpc.health.v1.Health/', ETCD_AUTHENTICATE_PATH];

/** A call's answer before its handler runs (grpc-js's status shape). */
export type EarlyStatus = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

/**
 * The gate's check of one call's metadata: admits the call (its principal marked on the metadata, the
 * secret removed, then `forward`) or answers it with `refuse`. Run by {@link authInterceptor} for streams
 * and, for unary calls, inside the admission layer (admission.ts), so that a unary call pays for one
 * interceptor layer, not two.
 */
export type MetadataCheck = (
  path: string,
  call: ServerInterceptingCallInterface,
  metadata: Metadata,
  forward: (metadata: Metadata) => void,
  refuse: (answer: EarlyStatus) => void,
) => void;

/**
 * The credential check of the one gate of every gRPC call, unary and streaming, on every service the server
 * registers (kvstore.v1, the etcd API, reflection): a call whose metadata carries no accepted credential is
 * answered UNAUTHENTICATED before its handler runs (the handler starts only once metadata is passed on). The
 * `authorization` entry is removed before the handler sees the metadata, so no handler holds the secret.
 */
export function credentialCheck(
  authenticator: Authenticator,
  onRefused: (path: string, details: string, reason: RefusalReason) => void = () => {},
): MetadataCheck {
  return (path, call, metadata, forward, refuse) => {
    if (isOpen(path)) {
      forward(metadata);
      return;
    }
    const values = metadata.get('authorization');
    // etcd auth: an etcd client sends its token as `token`, standing for the same credential.
    const value =
      values.length === 1 ? values[0] : values.length === 0 ? etcdTokenAuthorization(metadata) : undefined;
    const admit = () => {
      try {
        if (values.length > 1)
          throw new Unauthenticated('more than one authorization entry was sent', 'malformed');
        if (value !== undefined && typeof value !== 'string')
          throw new Unauthenticated('authorization must be text, not binary metadata', 'malformed');
        admitPrincipal(
          metadata,
          authenticator.authenticate(value, () => peerCommonName(call)),
        );
      } catch (err) {
        if (!(err instanceof Unauthenticated)) throw err;
        onRefused(path, err.message, err.reason);
        // etcd auth: etcd clients know a refusal by etcd's own code and message.
        refuse(
          path.startsWith(ETCD_PATH_PREFIX)
            ? etcdRefusal(err.reason)
            : { code: status.UNAUTHENTICATED, details: err.message },
        );
        return;
      }
      metadata.remove('authorization');
      metadata.remove(ETCD_TOKEN_METADATA); // etcd auth: the token is the credential itself
      forward(metadata);
    };
    // A JWT seen for the first time is verified asynchronously; API keys and known tokens go on now.
    const pending = typeof value === 'string' ? authenticator.prepare?.(value) : undefined;
    if (pending === undefined) admit();
    else pending.then(admit, admit);
  };
}

/**
 * The gate as an interceptor of its own. Installed last in the server's list, so it wraps the other
 * interceptors (their bookkeeping sees the refusal as the call's end). `except` names calls it leaves to
 * another layer that runs the same {@link MetadataCheck} (the server passes admission's unary calls).
 */
export function authInterceptor(
  authenticator: Authenticator,
  onRefused: (path: string, details: string, reason: RefusalReason) => void = () => {},
  except: (method: ServerMethodDefinition<unknown, unknown>) => boolean = () => false,
): ServerInterceptor {
  const check = credentialCheck(authenticator, onRefused);
  return (method, call) => {
    if (isOpen(method.path) || except(method)) return call as ServerInterceptingCall;
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            check(method.path, call, metadata, forward, (answer) => call.sendStatus(answer));
          },
        });
      },
    });
  };
}

function isOpen(path: string): boolean {
  return OPEN_SERVICES.some((prefix) => path.startsWith(prefix));
}

/** The subject CN of the call's client certificate, when the TLS handshake verified one (mTLS). */
function peerCommonName(call: ServerInterceptingCallInterface): string | undefined {
  const cn = call.getAuthContext().sslPeerCertificate?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}
