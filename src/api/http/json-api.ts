import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type Authenticator, type Principal, Unauthenticated } from '../../security/principal.js';
import { BUILT_IN_ROLES, type RoleTable } from '../../security/roles.js';
import { type Access, NO_ACCESS, UNRESTRICTED } from '../../service/access.js';
import type { AdminOperations } from '../../service/admin-operations.js';
import type { AuditSink } from '../../service/audit.js';
import { classifyError, ServiceError } from '../../service/errors.js';
import type { KvOperations } from '../../service/kv-operations.js';
import type { RateLimiter } from '../../service/rate-limiter.js';
import { whoAmI } from '../../service/whoami.js';
import type { Limits } from '../../store/limits.js';
import type { WatchHub } from '../../streams/watch-hub.js';
import { GRPC_STATUS } from '../grpc/status-errors.js';
import type { RequestObserver } from '../grpc/unary.js';
import { ApiRequest, type BodyHold } from './api-request.js';
import { kvRoutes, type Reply, type Route } from './api-routes.js';
import { consoleFiles } from './console-files.js';
import { sendError } from './http-errors.js';
import { toJson } from './json-values.js';
import { OPENAPI } from './openapi.js';
import { serveSseWatch } from './sse-watch.js';
import { httpPeerCommonName } from './tls-peer.js';

/** What the JSON API serves from. */
export interface HttpApiOptions {
  readonly kv: KvOperations;
  readonly admin: AdminOperations;
  /** A watch hub whose encoder is encodeSseBatch (see sse-watch.ts). */
  readonly sseHub: WatchHub;
  readonly limits: Limits;
  readonly revision: () => number;
  /** Largest request body read; larger ones are refused with 413 before they are read in full. */
  readonly maxBodyBytes: number;
  /** How often an idle SSE stream gets a `: heartbeat` comment. */
  readonly heartbeatMs: number;
  readonly logger: Logger;
  readonly slowRequestMs: number;
  /** Observes every answered request as `http/<operation>` with its gRPC-equivalent status code. */
  readonly observe?: RequestObserver;
  /** Holds a request's body bytes against the server's in-flight limit (limits.maxInflightBytes). */
  readonly hold?: BodyHold;
  /** When set, every /v1 request needs an accepted `authorization` header (security.apiKeysFile). */
  readonly authenticator?: Authenticator | null;
  /** What an authenticated principal may touch (with an authenticator; absent: nothing). */
  readonly accessOf?: (principal: Principal) => Access;
  /** Per-principal rate limits (shared with gRPC), when a role sets one. */
  readonly rateLimiter?: RateLimiter | null;
  /** The audit log: requests refused at the gate (401, 429) get a line; operations write their own. */
  readonly audit?: AuditSink | null;
  /** The roles in use now (they follow security.rolesFile), for GET /v1/whoami. */
  readonly roles?: () => RoleTable;
}

/** The JSON API: a node:http handler for /v1/... (and the console at /ui/), and its routes (which the OpenAPI test reads). */
export interface HttpApi {
  readonly routes: readonly Route[];
  /** Serves the request when its path is under /v1/ or /ui/ and returns true; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Builds the JSON API over the service's operations (no rule of its own: it maps HTTP to them). */
export function createHttpApi(options: HttpApiOptions): HttpApi {
  const routes: Route[] = [
    ...kvRoutes(options),
    {
      method: 'GET',
      path: '/v1/watch',
      operation: 'Watch',
      handle: (r) =>
        serveSseWatch(r, {
          hub: options.sseHub,
          limits: options.limits,
          revision: options.revision,
          heartbeatMs: options.heartbeatMs,
          logger: options.logger,
        }),
    },
    {
      method: 'GET',
      path: '/v1/backup',
      operation: 'Backup',
      handle: (r) => streamBackup(r, options),
    },
    { method: 'GET', path: '/v1/openapi.json', operation: 'OpenApi', handle: () => ({ json: OPENAPI }) },
    {
      method: 'GET',
      path: '/v1/whoami',
      operation: 'WhoAmI',
      handle: (r) => ({ json: whoAmI(r.principal, r.access, options.roles?.() ?? BUILT_IN_ROLES) }),
    },
  ];
  const exact = new Map<string, Route[]>();
  const keyed: Route[] = [];
  for (const route of routes) {
    if (route.path.endsWith('/{key}')) keyed.push(route);
    else exact.set(route.path, [...(exact.get(route.path) ?? []), route]);
  }

  const serveConsole = consoleFiles();
  return {
    routes,
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname;
      if (path !== '/v1' && !path.startsWith('/v1/')) return serveConsole(req, res);
      // A JWT seen for the first time is verified (asynchronously) first; the request then comes back here.
      const pending = options.authenticator?.prepare?.(req.headers.authorization);
      if (pending !== undefined) {
        const again = () => void this.handle(req, res);
        pending.then(again, again);
        return true;
      }
      // The one gate of every /v1 request, before routing: a route cannot be added past it, and an
      // unauthenticated caller learns nothing of which routes exist.
      let access = UNRESTRICTED;
      let principal: Principal | null = null;
      if (options.authenticator) {
        principal = authenticated(options.authenticator, req, res, options.audit);
        if (principal === null) return true;
        access = options.accessOf?.(principal) ?? NO_ACCESS;
        // The principal's rate limit, shared with gRPC (a body without content-length counts 0 bytes).
        const limited = options.rateLimiter?.admit(access, Number(req.headers['content-length']) || 0);
        if (limited) {
          options.audit?.record({
            principal: access.principal,
            method: `${req.method} ${path}`,
            result: limited.code,
            reason: limited.message,
          });
          sendError(res, limited);
          return true;
        }
      }
      const started = performance.now();
      let candidates: Route[] | undefined;
      let key = '';
      if (path.startsWith('/v1/kv/')) {
        candidates = keyed;
        try {
          key = decodeURIComponent(path.slice('/v1/kv/'.length));
        } catch {
          sendError(
            res,
            new ServiceError('INVALID_ARGUMENT', 'key: is not valid percent-encoded UTF-8', { field: 'key' }),
          );
          return true;
        }
      } else {
        candidates = exact.get(path);
      }
      if (candidates === undefined) {
        sendError(res, new ServiceError('NOT_FOUND', `no route ${path}; see /v1/openapi.json`));
        return true;
      }
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      // HEAD answers the headers of a GET; streams (watch, backup) have none to answer without streaming.
      const streaming = req.method === 'HEAD' && (path === '/v1/watch' || path === '/v1/backup');
      const route = streaming ? undefined : candidates.find((c) => c.method === method);
      if (route === undefined) {
        const allow = candidates.map((c) => c.method).join(', ');
        res.setHeader('allow', allow);
        const err = new ServiceError(
          'INVALID_ARGUMENT',
          `method ${req.method} is not allowed on ${path} (allowed: ${allow})`,
        );
        sendJsonError(res, 405, err);
        return true;
      }
      const request = new ApiRequest(
        req,
        res,
        url,
        key,
        access,
        options.maxBodyBytes,
        options.hold,
        principal,
      );
      const finish = (err: unknown) => {
        const seconds = (performance.now() - started) / 1000;
        if (err === undefined) {
          options.observe?.(`http/${route.operation}`, 0, seconds);
          if (options.logger.isLevelEnabled('debug'))
            options.logger.debug(
              { method: `http/${route.operation}`, code: 'OK', ms: Math.round(seconds * 1e6) / 1000 },
              'request',
            );
          // A backup takes as long as its size (gRPC's is not logged as slow either).
          if (seconds * 1000 >= options.slowRequestMs && route.operation !== 'Backup')
            options.logger.warn(
              { method: route.operation, http: true, ms: Math.round(seconds * 1000) },
              'slow request',
            );
          return;
        }
        const { error, expected } = classifyError(err);
        if (!expected) options.logger.error({ method: route.operation, err }, 'request failed unexpectedly');
        else if (options.logger.isLevelEnabled('debug'))
          options.logger.debug(
            { method: `http/${route.operation}`, code: error.code, ms: Math.round(seconds * 1e6) / 1000 },
            'request',
          );
        options.observe?.(`http/${route.operation}`, GRPC_STATUS[error.code], seconds);
        sendError(res, error);
      };
      try {
        const reply = route.handle(request);
        if (reply instanceof Promise) {
          reply.then((r) => {
            send(res, r);
            finish(undefined);
          }, finish);
        } else {
          send(res, reply);
          finish(undefined);
        }
      } catch (err) {
        finish(err);
      }
      return true;
    },
  };
}

/** Checks the request's credential; answers 401 and returns null when it is missing or refused. */
function authenticated(
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  audit?: AuditSink | null,
): Principal | null {
  try {
    return authenticator.authenticate(req.headers.authorization, () => httpPeerCommonName(req));
  } catch (err) {
    if (!(err instanceof Unauthenticated)) throw err;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    audit?.record({
      principal: '',
      method: `${req.method} ${path}`,
      result: 'UNAUTHENTICATED',
      reason: err.message,
    });
    res.setHeader('www-authenticate', 'Bearer realm="kvstore"');
    sendError(res, new ServiceError('UNAUTHENTICATED', err.message));
    return null;
  }
}

function sendJsonError(res: ServerResponse, status: number, error: ServiceError): void {
  const body = JSON.stringify({ code: error.code, message: error.message, details: error.details });
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) }).end(body);
}

function send(res: ServerResponse, reply: Reply | null): void {
  if (reply === null) return;
  const status = reply.status ?? 200;
  if (status === 304) {
    res.writeHead(304, reply.headers).end();
    return;
  }
  if (reply.raw !== undefined) {
    res
      .writeHead(status, {
        ...reply.headers,
        'content-type': 'application/octet-stream',
        'content-length': reply.raw.length,
      })
      .end(reply.raw);
    return;
  }
  const body = JSON.stringify(toJson(reply.json));
  res
    .writeHead(status, {
      ...reply.headers,
      'content-type': JSON_TYPE,
      'content-length': Buffer.byteLength(body),
    })
    .end(body);
}

/**
 * GET /v1/backup?from_revision=R: the backup file (as `kvstore backup` writes it), streamed as it is made and
 * paced by the client (the next chunk is made once the last one is handed to the network).
 */
async function streamBackup(r: ApiRequest, options: HttpApiOptions): Promise<null> {
  const backup = await options.admin.backup(r.int('from_revision'), r.access);
  const res = r.res;
  let gone = false;
  res.on('close', () => {
    gone = true;
  });
  try {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="kvstore-${backup.kind}-${backup.baseRevision}.kvb"`,
    });
    for await (const chunk of backup.chunks) {
      if (gone) break;
      if (!res.write(chunk.data))
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
    }
    if (!gone) res.end();
    options.logger.info(
      { kind: backup.kind, base: backup.baseRevision, items: backup.itemsDone(), http: true },
      gone ? 'backup cancelled by the client' : 'backup sent',
    );
  } catch (err) {
    // Headers are out: the client sees a cut stream (the file's trailer is missing, so it is refused on restore).
    options.logger.error({ method: 'Backup', err }, 'backup over http failed');
    res.destroy();
  } finally {
    backup.release();
  }
  return null;
}
