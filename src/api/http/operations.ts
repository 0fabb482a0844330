import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { TlsFileWatch } from '../../security/tls-files.js';
import type { KvStore } from '../../store/kv-store.js';
import { VERSION } from '../../version.js';
import type { RequestObserver } from '../grpc/unary.js';
import { listenError } from '../listen-error.js';
import type { StatsProviders } from '../metrics/providers.js';
import { ServerMetrics } from '../metrics/server-metrics.js';
import {
  type AdminEndpoints,
  type HttpRoutes,
  type RunningAdminServer,
  startAdminServer,
} from './admin-server.js';
import { Readiness } from './readiness.js';

/**
 * The operator's side of one server: metrics, readiness and the admin HTTP listener that serves them. It
 * starts before the store opens (so /healthz answers and /readyz says "starting" during a long replay) and
 * stops after everything else.
 */
export interface Operations {
  readonly metrics: ServerMetrics;
  readonly readiness: Readiness;
  /** Fill in as subsystems start: `providers.watchers = ...`, `providers.nats = ...`. */
  readonly providers: StatsProviders;
  /** The bound admin port (useful with port 0). */
  readonly httpPort: number;
  /** TLS of the HTTP listeners (http.tlsCert), reloaded when its files change; null = plaintext. */
  readonly httpTls: TlsFileWatch | null;
  /** The admin address as HOST:PORT, for the start-up log line. */
  readonly httpAddress: string;
  /** The request observer for the gRPC handlers, with `also` (if any) called after the metrics. */
  observer(also?: RequestObserver): RequestObserver;
  /** The store has opened and caught up: report its gauges, check it for readiness, and become ready. */
  serving(store: KvStore): void;
  /** Serves the JSON API on this listener (when http.api is `admin`); until then /v1/ answers 503. */
  attachApi(api: HttpRoutes): void;
  /** Shutdown begins: /readyz answers 503 from now on. */
  stopping(): void;
  /** Closes the admin listener (the last step of shutdown). */
  close(): Promise<void>;
}

/** Binds the admin HTTP listener on `http.listen` and sets up metrics and readiness. */
export async function startOperations(config: Config, logger: Logger): Promise<Operations> {
  const providers: StatsProviders = {};
  const readiness = new Readiness();
  const metrics = new ServerMetrics({
    providers,
    version: VERSION,
    ready: () => readiness.report().ready,
    dataDir: config.data.dir,
  });
  readiness.starting(
    'starting: opening the log, loading the newest checkpoint and replaying the log after it',
  );
  // The HTTP listeners' certificate is read now: a missing or mismatched file stops the start.
  const httpTls =
    config.http.tlsCert === ''
      ? null
      : new TlsFileWatch(config.http, 'http', config.security.tlsReloadIntervalMs, (event) =>
          event.kind === 'reloaded'
            ? logger.info({ subject: event.subject, validTo: event.validTo }, 'http TLS certificate reloaded')
            : logger.warn(event.reason),
        );
  let http: RunningAdminServer;
  const endpoints: AdminEndpoints = {
    metrics,
    readiness,
    logger,
    api: config.http.api === 'admin' ? 'starting' : undefined,
  };
  try {
    http = await startAdminServer(config.http.listen, endpoints, httpTls);
  } catch (err) {
    throw listenError('http.listen', '--http-listen', config.http.listen, err);
  }
  const host = config.http.listen.slice(0, config.http.listen.lastIndexOf(':'));
  const httpAddress = `${host}:${http.port}`;
  logger.info({ http: httpAddress }, 'admin http listening (/metrics, /healthz, /readyz)');

  readiness.addCheck(() =>
    metrics.log.failure ? `log failed, restart kvstore: ${metrics.log.failure.message}` : null,
  );
  // NATS down never stops the key-value API, so it counts against readiness only where the operator says
  // that subscribers depend on it (nats.required).
  readiness.addCheck(() => {
    if (!config.nats.required || config.nats.url === '') return null;
    const nats = providers.nats?.();
    if (nats === undefined) return 'NATS publisher is not running (nats.required is set)';
    return nats.connected ? null : 'NATS is not connected (nats.required is set)';
  });

  return {
    metrics,
    readiness,
    providers,
    httpPort: http.port,
    httpTls,
    httpAddress,
    observer(also) {
      const own = metrics.requests.observe;
      if (also === undefined) return own;
      return (method, code, seconds) => {
        own(method, code, seconds);
        also(method, code, seconds);
      };
    },
    serving(store) {
      metrics.attachStore(store);
      readiness.addCheck(() => {
        // With the embedded log the projections apply each commit before it is acknowledged; a backend
        // that is tailed (JetStream) can fall behind, and then this server should not take reads.
        const head = store.eventLog.lastRevision();
        return store.revision >= head ? null : `projections at revision ${store.revision}, log at ${head}`;
      });
      // A shared log out of reach: writes answer UNAVAILABLE (serializable reads still work).
      readiness.addCheck(() => {
        const why = store.eventLog.unavailable?.() ?? null;
        return why === null ? null : `the log cannot be reached: ${why}`;
      });
      readiness.serving();
    },
    attachApi(api) {
      endpoints.api = api;
    },
    stopping() {
      readiness.stopping();
    },
    close() {
      return http.close();
    },
  };
}
