import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Server } from '@grpc/grpc-js';

/** An HTTP/2 server grpc-js set up for one bound address (plaintext or TLS). */
export type BoundHttp2Server = Http2Server | Http2SecureServer;

/** Told of each HTTP/2 server right after grpc-js attached its own handlers to it. */
export type Http2ServerHook = (http2Server: BoundHttp2Server, extraInterceptors: readonly unknown[]) => void;

/** grpc-js 1.14's private method that attaches its handlers to each HTTP/2 server it creates on bind. */
interface SetupHandlers {
  _setupHandlers(http2Server: BoundHttp2Server | null, extraInterceptors: readonly unknown[]): void;
}

/**
 * Calls `hook` with every HTTP/2 server `server` creates when it binds, after grpc-js's own setup. grpc-js
 * has no public way to reach them; this wraps its private `_setupHandlers` (as fast unary calls and the
 * connection drain need). Call it before the server binds. False when grpc-js is not as expected: nothing
 * is hooked then, and the tests of what the hook was for fail, so an upgrade cannot lose it quietly.
 */
export function onHttp2Server(server: Server, hook: Http2ServerHook): boolean {
  const internals = server as unknown as Partial<SetupHandlers>;
  const setup = internals._setupHandlers;
  if (typeof setup !== 'function') return false;
  internals._setupHandlers = function (this: Server, http2Server, extraInterceptors) {
    setup.call(this, http2Server, extraInterceptors);
    if (http2Server !== null) hook(http2Server, extraInterceptors);
  };
  return true;
}
