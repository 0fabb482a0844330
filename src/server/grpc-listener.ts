import { type ServerCredentials, type ServerInterceptor, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ETCD_AUTHENTICATE_PATH } from '../api/etcd/auth.js';
import { adminHandlers } from '../api/grpc/admin-service.js';
import { admission, isUnary } from '../api/grpc/admission.js';
import { type Authenticator, authInterceptor, credentialCheck } from '../api/grpc/auth-interceptor.js';
import { type ExtraService, type RefusedRequest, startGrpcServer } from '../api/grpc/grpc-server.js';
import { kvMultiHandlers } from '../api/grpc/kv-multi-service.js';
import { kvHandlers } from '../api/grpc/kv-service.js';
import { openCallLimitInterceptor } from '../api/grpc/open-call-limit-interceptor.js';
import { rateLimitCheck, rateLimitInterceptor } from '../api/grpc/rate-limit-interceptor.js';
import type { HandlerContext } from '../api/grpc/unary.js';
import { watchHandler } from '../api/grpc/watch-service.js';
import type { Config } from '../config/config.js';
import type { AdminOperations } from '../service/admin-operations.js';
import type { AuditSink } from '../service/audit.js';
import type { KvOperations } from '../service/kv-operations.js';
import type { PeerRateLimiter } from '../service/peer-rate-limiter.js';
import type { RateLimiter } from '../service/rate-limiter.js';
import type { KvStore } from '../store/kv-store.js';
import type { WatchHub } from '../streams/watch-hub.js';
import { ENVELOPE_BYTES, maxResponseBytes } from './open-store.js';

/** What the gRPC services serve from. */
export interface GrpcParts {
  readonly store: KvStore;
  readonly kv: KvOperations;
  readonly admin: AdminOperations;
  readonly watchHub: WatchHub;
  readonly ctx: HandlerContext;
  /** Served on the same port beside kvstore.v1 (the etcd API). */
  readonly extraServices?: readonly ExtraService[];
  /** TLS of grpc.listen (and etcd.listen); plaintext when absent. */
  readonly credentials?: ServerCredentials;
  /** When set, every call but grpc.health.v1 must carry an accepted credential (security.apiKeysFile). */
  readonly authenticator?: Authenticator | null;
  /** The audit log (security.auditFile): calls refused before a handler get a line too. */
  readonly audit?: AuditSink | null;
  /** etcd Authenticate calls per client address (security.authenticateRateLimit), with auth on. */
  readonly authenticateLimiter?: PeerRateLimiter | null;
  /** Per-principal rate limits, when a role sets one (shared with the HTTP API). */
  readonly rateLimiter?: RateLimiter | null;
  /** Tracing's interceptor (tracing on): installed last, so it sees every call the others let through. */
  readonly tracing?: ServerInterceptor | null;
}

/**
 * Binds grpc.listen with the kvstore.v1 services. Requests up to four times the value limit are read in
 * full so that an oversized value gets INVALID_ARGUMENT naming the field and the limit; beyond that the
 * transport refuses the message with RESOURCE_EXHAUSTED before reading it.
 */
export async function startGrpcListener(config: Config, parts: GrpcParts, logger: Logger) {
  const { store, ctx } = parts;
  const responseBytes = maxResponseBytes(config);
  const maxReceiveBytes = 4 * config.limits.maxValueBytes + ENVELOPE_BYTES;
  // Requests answered before a handler (malformed, over the in-flight limits): counted and logged like
  // every other request, at debug.
  const refused: RefusedRequest = (path, code, details) => {
    const method = path.slice(path.lastIndexOf('/') + 1);
    ctx.observe?.(method, code, 0);
    parts.audit?.record({ principal: '', method: path, result: status[code], reason: details });
    if (logger.isLevelEnabled('debug'))
      logger.debug({ method, code: status[code], details }, 'request refused');
  };
  const unauthenticated = (path: string, details: string) => refused(path, status.UNAUTHENTICATED, details);
  const exhausted = (path: string, details: string) => refused(path, status.RESOURCE_EXHAUSTED, details);
  // The gate of every call, on every service (kvstore.v1, etcd, reflection), and the rate limits (roles'
  // rateLimit) charged to the principal it admitted: inside admission's layer for the unary calls admission
  // wraps (one interceptor layer per call, not three), as interceptors of their own for the streams.
  const credentials = parts.authenticator ? credentialCheck(parts.authenticator, unauthenticated) : undefined;
  const rateLimit = parts.rateLimiter
    ? rateLimitCheck(parts.rateLimiter, ctx.accessOf, exhausted)
    : undefined;
  // One admission controller: the HTTP API holds its request bytes against the same limit.
  const gate = admission({ ...config.limits, maxRequestBytes: maxReceiveBytes }, exhausted, {
    metadata: credentials,
    request: rateLimit,
  });
  // Streams: last in the list, so the gate wraps the limiter (grpc-js hands metadata to the first first).
  const auth = parts.authenticator ? authInterceptor(parts.authenticator, unauthenticated, isUnary) : null;
  const limited = parts.rateLimiter
    ? rateLimitInterceptor(parts.rateLimiter, ctx.accessOf, exhausted, isUnary)
    : null;
  // Authenticate is open (it takes the credential to check), so it is charged to the caller's address.
  const authenticateLimited = parts.authenticateLimiter
    ? openCallLimitInterceptor(ETCD_AUTHENTICATE_PATH, parts.authenticateLimiter, exhausted)
    : null;
  const interceptors = [
    gate.interceptor,
    ...(authenticateLimited ? [authenticateLimited] : []),
    ...(auth ? [auth] : []),
    ...(limited ? [limited] : []),
  ];
  if (parts.tracing) interceptors.push(parts.tracing);
  // The fast path runs admission itself and nothing else: it serves unary calls only when no other
  // interceptor has anything to do with them (Authenticate's limiter watches that one path).
  const fastUnary =
    config.grpc.fastUnary && !gate.checksCalls && !auth && !limited && !parts.tracing
      ? { admission: gate, except: authenticateLimited ? [ETCD_AUTHENTICATE_PATH] : [] }
      : undefined;
  const running = await startGrpcServer(
    {
      kv: {
        ...kvHandlers(parts.kv, ctx),
        ...kvMultiHandlers(parts.kv, ctx),
        Watch: watchHandler(parts.watchHub, store.limits, logger, ctx.accessOf),
      },
      admin: adminHandlers(parts.admin, ctx),
    },
    {
      listen: config.grpc.listen,
      maxReceiveBytes,
      maxSendBytes: responseBytes + config.limits.maxValueBytes + ENVELOPE_BYTES,
      onRefused: refused,
      interceptors,
      extraServices: parts.extraServices,
      credentials: parts.credentials,
      fastUnary,
    },
  );
  return { ...running, admission: gate, interceptors, fastUnaryPlan: fastUnary };
}

/** How an acknowledged write is kept: SQLite's fsync mode, or the shared log's replication. */
export function durabilityOf(config: Config): string {
  const url = config.log.url;
  return url.scheme === 'nats' ? `replicated (JetStream R${url.replicas})` : config.data.durability;
}
