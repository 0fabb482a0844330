import type { handleUnaryCall, Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { RoleTable } from '../../security/roles.js';
import type { Access } from '../../service/access.js';
import { toRpcError } from './status-errors.js';

/** Where a call's metadata is read: a grpc-js call (the fast unary path makes its metadata only when read). */
export interface CallMetadata {
  readonly metadata: Metadata;
}

/** What the caller of a call may touch, known by its metadata (read only when needed: auth on). */
export type AccessOf = (call: CallMetadata) => Access;

/** Observes every finished request (for metrics); `code` is the gRPC status code. */
export type RequestObserver = (method: string, code: status, seconds: number) => void;

/** What every handler shares: where to log, what counts as slow, who observes requests, who is calling. */
export interface HandlerContext {
  readonly logger: Logger;
  readonly slowRequestMs: number;
  readonly observe?: RequestObserver;
  /** What the caller of a call (known by its metadata) may touch: everything when auth is off. */
  readonly accessOf: AccessOf;
  /** The roles in use now (they follow security.rolesFile), for Status's caller. */
  readonly roles?: () => RoleTable;
}

/**
 * Wraps a handler: hands it the caller's access, maps thrown errors to gRPC statuses, logs each request at debug and slow ones at warn,
 * and reports it to the observer. A handler that returns synchronously never touches a promise.
 */
export function unary<Req, Res>(
  method: string,
  ctx: HandlerContext,
  handler: (request: Req, access: Access, call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const started = performance.now();
    const finish = (code: status, err?: unknown) => {
      const ms = performance.now() - started;
      ctx.observe?.(method, code, ms / 1000);
      if (ms >= ctx.slowRequestMs)
        ctx.logger.warn({ method, code: status[code], ms: Math.round(ms) }, 'slow request');
      else if (ctx.logger.isLevelEnabled('debug')) {
        ctx.logger.debug({ method, code: status[code], ms: Math.round(ms * 1000) / 1000 }, 'request');
      }
      if (err !== undefined) ctx.logger.error({ method, err }, 'request failed unexpectedly');
    };
    const fail = (err: unknown) => {
      const { error, expected } = toRpcError(err);
      finish(error.code, expected ? undefined : err);
      callback(error.toServiceError(), null);
    };
    let result: Res | Promise<Res>;
    try {
      result = handler(call.request, ctx.accessOf(call), call);
    } catch (err) {
      fail(err);
      return;
    }
    if (result instanceof Promise) {
      result.then((response) => {
        finish(status.OK);
        callback(null, response);
      }, fail);
    } else {
      finish(status.OK);
      callback(null, result);
    }
  };
}
