import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { Server } from '@grpc/grpc-js';
import { onHttp2Server } from './http2-server-hook.js';

/** Stops a server: no new calls, in-flight ones get up to `timeoutMs`, then the rest are cancelled. */
export type GracefulShutdown = (timeoutMs: number) => Promise<void>;

/**
 * How long a connection the server has finished with (GOAWAY sent, no call left, its end written) stays
 * open for the client to read the last frames and close it itself.
 */
const CLOSE_GRACE_MS = 200;

/**
 * Prepares `server`'s graceful shutdown; call it before the server binds. grpc-js's `tryShutdown` sends
 * GOAWAY on every connection and ends each one whose calls are done, then waits for the client to close
 * its side. grpc-js clients do at once; grpcio's (C-core: Python, C++, Ruby, PHP) keep it open for about
 * 5 seconds, and every SIGTERM waited for them with no call left to finish. So the connections are tracked,
 * and once the drain has started, one the server has ended is closed after a short grace.
 */
export function gracefulShutdown(server: Server): GracefulShutdown {
  const open = new Set<Socket>();
  let draining = false;
  const closeOnceEnded = (socket: Socket) => {
    const close = () => setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    if (socket.writableFinished) close();
    else socket.once('finish', close);
  };
  onHttp2Server(server, (http2Server) => {
    // A TLS session runs on the TLS socket, whose end is what the drain waits for.
    const event = http2Server instanceof TlsServer ? 'secureConnection' : 'connection';
    http2Server.on(event, (socket: Socket) => {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      if (draining) closeOnceEnded(socket);
    });
  });
  return (timeoutMs) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, timeoutMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
      draining = true;
      for (const socket of open) closeOnceEnded(socket);
    });
}
