import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { secureContextOptions, type TlsFileWatch } from '../../security/tls-files.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import type { Readiness } from './readiness.js';

/** A handler of part of the URL space: true when it served the request. */
export interface HttpRoutes {
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** What the admin listener serves. */
export interface AdminEndpoints {
  readonly metrics: ServerMetrics;
  readonly readiness: Readiness;
  readonly logger: Logger;
  /** The JSON API (/v1/...) once the store serves, when it is on this listener (see http.api). */
  api?: HttpRoutes | 'starting';
}

/** A bound admin HTTP listener. */
export interface RunningAdminServer {
  readonly port: number;
  /** Stops listening and closes idle and open connections. */
  close(): Promise<void>;
}

/** How long a watch arriving during start-up waits for the server to serve before it is answered 503. */
const WATCH_WAITS_FOR_START_MS = 30_000;
const TEXT = 'text/plain; charset=utf-8';

/**
 * Starts the admin HTTP listener (node:http, no framework): `GET /metrics` (Prometheus text format),
 * `GET /healthz` (200 while the process runs its event loop) and `GET /readyz` (200 when ready, else 503 with
 * the reasons, one per line). It binds before the store opens so that probes see start-up progress.
 */
export function startAdminServer(
  listen: string,
  endpoints: AdminEndpoints,
  tls: TlsFileWatch | null = null,
): Promise<RunningAdminServer> {
  return listenHttp(
    listen,
    (req, res) => {
      handle(req, res, endpoints).catch((err: unknown) => {
        endpoints.logger.error({ err, path: req.url }, 'admin request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': TEXT });
        res.end('internal error\n');
      });
    },
    tls,
  );
}

/**
 * Binds a node:http server on HOST:PORT (port 0 picks a free one); HTTPS with `tls` (mTLS when it has a
 * client CA), whose certificate follows the files when they change (new connections get the new one).
 */
export async function listenHttp(
  listen: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls: TlsFileWatch | null = null,
): Promise<RunningAdminServer> {
  let server: Server;
  let unwatch = () => {};
  if (tls === null) server = createServer(handler);
  else {
    const mtls = tls.current.ca !== null;
    const https = createHttpsServer(
      { ...secureContextOptions(tls.current), requestCert: mtls, rejectUnauthorized: mtls },
      handler,
    );
    unwatch = tls.subscribe((material) => https.setSecureContext(secureContextOptions(material)));
    server = https;
  }
  // Probes and scrapes are short requests; do not let an idle keep-alive connection delay shutdown.
  server.keepAliveTimeout = 5_000;
  const split = listen.lastIndexOf(':');
  const host = listen.slice(0, split).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(split + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      unwatch();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, endpoints: AdminEndpoints): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0]!;
  if (path === '/v1' || path.startsWith('/v1/') || path === '/ui' || path.startsWith('/ui/')) {
    // A browser's EventSource gives up for good on any answer but 200 (a 503 included), so a watch that
    // reconnects while the server restarts waits for it to serve (bounded) instead of being refused.
    if (endpoints.api === 'starting' && path === '/v1/watch' && req.method === 'GET') {
      const until = Date.now() + WATCH_WAITS_FOR_START_MS;
      while (endpoints.api === 'starting' && Date.now() < until && !req.destroyed) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    if (endpoints.api === 'starting') {
      res
        .writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' })
        .end('{"code":"UNAVAILABLE","message":"the server is starting (see /readyz)","details":{}}');
      return;
    }
    if (endpoints.api?.handle(req, res)) return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'content-type': TEXT, allow: 'GET, HEAD' }).end('method not allowed\n');
    return;
  }
  switch (path) {
    case '/metrics': {
      const body = await endpoints.metrics.text();
      res.writeHead(200, { 'content-type': endpoints.metrics.contentType }).end(body);
      return;
    }
    case '/healthz':
      res.writeHead(200, { 'content-type': TEXT }).end('ok\n');
      return;
    case '/readyz': {
      const { ready, reasons } = endpoints.readiness.report();
      res
        .writeHead(ready ? 200 : 503, { 'content-type': TEXT })
        .end(ready ? 'ready\n' : `not ready: ${reasons.join('\nnot ready: ')}\n`);
      return;
    }
    default:
      res
        .writeHead(404, { 'content-type': TEXT })
        .end(
          `not found: try /metrics, /healthz or /readyz${endpoints.api ? ', or the JSON API under /v1/ (/v1/openapi.json)' : ''}\n`,
        );
  }
}
