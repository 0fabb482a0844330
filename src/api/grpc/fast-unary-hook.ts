import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Server } from '@grpc/grpc-js';
import type { Admission } from './admission.js';
import { type RegisteredUnary, serveUnary } from './fast-unary.js';
import { onHttp2Server } from './http2-server-hook.js';

/** Which unary calls a server serves on the fast path: under what admission, and which paths it leaves. */
export interface FastUnaryPlan {
  readonly admission: Admission;
  /** Method paths left to grpc-js (a call an interceptor of their own must see). */
  readonly except?: readonly string[];
}

/** The server's message size limits (its grpc.max_receive/send_message_length). */
export interface MessageLimits {
  readonly maxReceiveBytes: number;
  readonly maxSendBytes: number;
}

/** A server's fast path, once installed. */
export interface FastUnary {
  /** Calls it has served so far. */
  served(): number;
}

/** The parts of grpc-js's Server (1.14) the hook uses besides its HTTP/2 servers: its methods. */
interface ServerInternals {
  readonly handlers: Map<string, RegisteredUnary>;
  onStreamOpened?(stream: ServerHttp2Stream): void;
}

type StreamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest: unknown[]) => void;

/**
 * Puts a dispatcher in front of grpc-js's handler of new HTTP/2 streams: a call to a unary method, with
 * a gRPC content type and an uncompressed request, goes to fast-unary.ts; every other stream (streaming
 * methods, health and reflection streams, unknown paths, compressed requests, the `except` paths) goes to
 * grpc-js as before. Sessions stay grpc-js's (keepalive, idle and age limits, graceful shutdown).
 *
 * Call it before the server binds. It relies on grpc-js internals, as response-compression.ts does: when
 * they are not as expected it changes nothing and returns null (the fast-unary test then fails, so an
 * upgrade cannot quietly lose it).
 */
export function installFastUnary(
  server: Server,
  plan: FastUnaryPlan,
  limits: MessageLimits,
): FastUnary | null {
  const internals = server as unknown as Partial<ServerInternals>;
  const handlers = internals.handlers;
  if (!(handlers instanceof Map)) return null;
  const except = new Set(plan.except ?? []);
  const settings = {
    ...limits,
    admit: (peer: string, path: string, refuse: (details: string) => void) =>
      plan.admission.unary(peer, path, refuse),
  };
  let served = 0;
  const fastMethod = (headers: IncomingHttpHeaders): RegisteredUnary | undefined => {
    const path = headers[':path'];
    if (path === undefined || except.has(path)) return undefined;
    const method = handlers.get(path);
    if (method?.type !== 'unary') return undefined;
    const contentType = headers['content-type'];
    if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) return undefined;
    const encoding = headers['grpc-encoding'];
    return encoding === undefined || encoding === 'identity' ? method : undefined;
  };
  const hooked = onHttp2Server(server, (http2Server, extraInterceptors) => {
    // Credentials that bring interceptors of their own keep every call on grpc-js's path.
    if (extraInterceptors.length > 0) return;
    const grpcJs = http2Server.listeners('stream').at(-1) as StreamListener | undefined;
    if (grpcJs === undefined) return;
    http2Server.removeListener('stream', grpcJs);
    http2Server.on(
      'stream',
      (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest: unknown[]) => {
        const method = fastMethod(headers);
        if (method === undefined) {
          grpcJs(stream, headers, ...rest);
          return;
        }
        served++;
        internals.onStreamOpened?.call(server, stream); // the session's idle timer counts it
        serveUnary(stream, headers, method, settings);
      },
    );
  });
  return hooked ? { served: () => served } : null;
}
