/** Live watch streams as the watch hub sees them. */
export interface WatcherStats {
  /** Open Watch streams. */
  readonly count: number;
  /** Largest lag of any watcher: the store's revision minus the last revision sent to it (0 when none). */
  readonly maxLagRevisions: number;
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
  nats?: () => NatsStats;
}
