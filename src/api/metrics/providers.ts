import type { NamespaceStats } from './namespace-metrics.js';

/** Live watch streams as the watch hub sees them. */
export interface WatcherStats {
  /** Open Watch streams. */
  readonly count: number;
  /** Largest lag of any watcher: the store's revision minus the last revision sent to it (0 when none). */
  readonly maxLagRevisions: number;
}

/** One watch hub's figures (gRPC Watch, the JSON API's SSE watch, the etcd API's Watch), as metrics read them. */
export interface WatchHubStats {
  /** Open watch streams. */
  readonly watchers: number;
  /** Of them, those reading the durable log (catch-up) rather than following the live feed. */
  readonly readingLog: number;
  /** Bytes of watch messages held for watchers that have not taken them yet, in all. */
  readonly bufferedBytes: number;
  /** The most bytes any one watcher holds. */
  readonly maxWatcherBufferedBytes: number;
  /** Since start-up: events written to watch streams (once per watcher that got them). */
  readonly eventsSent: number;
  /** Since start-up: live watchers demoted to catch-up because they held too much. */
  readonly demotions: number;
  /** Since start-up: catch-up reads of the log that failed (the log unreachable) and were made again. */
  readonly logReadRetries: number;
}

/** The NATS publisher's connection and progress. */
export interface NatsStats {
  /** Connected to a NATS server (and, with a stream configured, JetStream answers). */
  readonly connected: boolean;
  /** The store's revision minus the last revision NATS acknowledged. */
  readonly lagRevisions: number;
}

/**
 * Where metrics and /readyz read the state of subsystems that the server composes after the store opens.
 * The server creates one (empty) object and passes it to both; the subsystem that owns the state fills its
 * field in once it runs, e.g. `providers.watchers = () => hub.stats()`. An unset field means the subsystem
 * is not running: its metrics are left out and it does not count against readiness.
 */
export interface StatsProviders {
  watchers?: () => WatcherStats;
  /** Each watch hub by the API it serves (`grpc`, `http`, `etcd`). */
  watchHubs?: () => Readonly<Record<string, WatchHubStats>>;
  nats?: () => NatsStats;
  /** Backups being sent now (gRPC and HTTP). */
  backups?: () => number;
  /** Keys and bytes per namespace (security.rolesFile `namespaces:`). */
  namespaces?: () => readonly NamespaceStats[];
}
