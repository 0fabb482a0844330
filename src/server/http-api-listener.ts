import type { Logger } from 'pino';
import type { Admission } from '../api/grpc/admission.js';
import type { RequestObserver } from '../api/grpc/unary.js';
import { listenHttp } from '../api/http/admin-server.js';
import { createHttpApi, type HttpApi } from '../api/http/json-api.js';
import type { Operations } from '../api/http/operations.js';
import { encodeSseBatch } from '../api/http/sse-watch.js';
import { listenError } from '../api/listen-error.js';
import type { Config } from '../config/config.js';
import type { Authenticator, Principal } from '../security/principal.js';
import type { RoleTable } from '../security/roles.js';
import type { Access } from '../service/access.js';
import type { AdminOperations } from '../service/admin-operations.js';
import type { AuditSink } from '../service/audit.js';
import type { KvOperations } from '../service/kv-operations.js';
import type { RateLimiter } from '../service/rate-limiter.js';
import type { KvStore } from '../store/kv-store.js';
import { WatchHub } from '../streams/watch-hub.js';
import { ENVELOPE_BYTES } from './open-store.js';

/** The JSON API as it runs: its watch hub (SSE), and its own listener when it has one. */
export interface RunningHttpApi {
  readonly hub: WatchHub;
  /** HOST:PORT of its own listener; null when it is served on the admin listener. */
  readonly address: string | null;
  /** Ends the SSE streams (clients reconnect with Last-Event-ID). */
  stopWatches(): void;
  /** Closes its own listener, if any. */
  close(): Promise<void>;
}

/** What the JSON API serves from. */
export interface HttpApiParts {
  readonly store: KvStore;
  readonly kv: KvOperations;
  readonly admin: AdminOperations;
  readonly observe?: RequestObserver;
  /** gRPC's admission controller: HTTP request bodies count against the same in-flight bytes. */
  readonly admission?: Admission;
  /** When set, every /v1 request needs an accepted credential. */
  readonly authenticator?: Authenticator | null;
  /** Wraps the JSON API with a span per request (tracing on). */
  readonly traced?: (api: HttpApi) => HttpApi;
  /** What an authenticated principal may touch. */
  readonly accessOf?: (principal: Principal) => Access;
  /** Per-principal rate limits (shared with gRPC). */
  readonly rateLimiter?: RateLimiter | null;
  /** The audit log: requests refused before an operation get a line. */
  readonly audit?: AuditSink | null;
  /** The roles in use now, for GET /v1/whoami. */
  readonly roles?: () => RoleTable;
}

/**
 * Starts the JSON API (http.api): on the admin listener (`admin`), on its own (HOST:PORT), or not at all
 * (`off`: null). SSE watchers have their own hub, whose messages are encoded once per group as SSE.
 */
export async function startHttpApi(
  config: Config,
  parts: HttpApiParts,
  ops: Operations,
  logger: Logger,
): Promise<RunningHttpApi | null> {
  if (config.http.api === 'off') return null;
  const { store } = parts;
  const hub = new WatchHub(store, encodeSseBatch, {
    maxBufferedEvents: config.watch.maxBufferedEvents,
    maxBufferedBytes: config.watch.maxBufferedBytes,
    maxBufferedBytesTotal: config.watch.maxBufferedBytesTotal,
    progressIntervalMs: config.watch.progressIntervalMs,
  });
  const untraced = createHttpApi({
    kv: parts.kv,
    admin: parts.admin,
    sseHub: hub,
    limits: store.limits,
    revision: () => store.revision,
    // As gRPC: a request up to four times the value limit is read, so an oversized value is refused naming it.
    maxBodyBytes: 4 * config.limits.maxValueBytes + ENVELOPE_BYTES,
    heartbeatMs: config.http.sseHeartbeatMs,
    logger,
    slowRequestMs: config.log.slowRequestMs,
    observe: parts.observe,
    hold: parts.admission && ((bytes) => parts.admission!.hold(bytes)),
    authenticator: parts.authenticator,
    accessOf: parts.accessOf,
    rateLimiter: parts.rateLimiter,
    audit: parts.audit,
    roles: parts.roles,
  });
  const api = parts.traced ? parts.traced(untraced) : untraced;
  if (config.http.api === 'admin') {
    ops.attachApi(api);
    return { hub, address: null, stopWatches: () => hub.close(), close: async () => {} };
  }
  let own: Awaited<ReturnType<typeof listenHttp>>;
  try {
    own = await listenHttp(
      config.http.api,
      (req, res) => {
        if (!api.handle(req, res)) {
          res
            .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
            .end('not found: the JSON API is under /v1/\n');
        }
      },
      ops.httpTls,
    );
  } catch (err) {
    hub.close();
    throw listenError('http.api', '--http-api', config.http.api, err);
  }
  const host = config.http.api.slice(0, config.http.api.lastIndexOf(':'));
  return { hub, address: `${host}:${own.port}`, stopWatches: () => hub.close(), close: () => own.close() };
}
