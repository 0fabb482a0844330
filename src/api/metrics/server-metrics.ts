import { statfsSync } from 'node:fs';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { StoreStatus } from '../../store/kv-store.js';
import { AuthMetrics } from './auth-metrics.js';
import { CallbackGauge } from './callback-gauge.js';
import { LogMetrics } from './log-metrics.js';
import { NamespaceMetrics } from './namespace-metrics.js';
import type { StatsProviders } from './providers.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { RequestMetrics } from './request-metrics.js';
import { WatchMetrics } from './watch-metrics.js';

/** What the store gauges are read from (the KvStore, once it has opened). */
export interface StatusSource {
  status(): StoreStatus;
}

/** Options of {@link ServerMetrics}. */
export interface ServerMetricsOptions {
  /** Subsystems composed after start-up (watch hub, NATS publisher); read on every scrape. */
  readonly providers: StatsProviders;
  /** 1 when /readyz would answer 200. */
  readonly ready: () => boolean;
  readonly version: string;
  /** The data directory: the free space of its file system is reported (disk headroom). */
  readonly dataDir?: string;
}

/**
 * Every metric of one kvstore server, in a registry of its own (so that two servers in one process, as in
 * tests, never share counts). The names and meanings are listed in docs/operations.md.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  /** gRPC requests by method and code, and their latency. */
  readonly requests: RequestMetrics;
  /** The log's group commits; pass as the store's commit observer. */
  readonly log: LogMetrics;
  /** Calls the authentication gate refused, by transport and reason. */
  readonly auth: AuthMetrics;
  /** Calls refused by rate limits; pass its observe to the rate limiter. */
  readonly rateLimits: RateLimitMetrics;
  private store: StatusSource | undefined;

  constructor(options: ServerMetricsOptions) {
    const registry = this.registry;
    // process_* (CPU, memory, file descriptors) and nodejs_* (event-loop delay, heap, GC).
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
    this.requests = new RequestMetrics(registry);
    this.log = new LogMetrics(registry);
    this.auth = new AuthMetrics(registry);
    this.rateLimits = new RateLimitMetrics(registry);

    new Gauge({
      name: 'kvstore_build_info',
      help: 'Always 1; the version label says which kvstore runs',
      labelNames: ['version'],
      registers: [registry],
    }).set({ version: options.version }, 1);
    new CallbackGauge(
      'kvstore_ready',
      '1 when /readyz answers 200 (started, log writable, projections caught up, NATS connected if used)',
      () => (options.ready() ? 1 : 0),
      registry,
    );
    const status = () => this.store?.status();
    new CallbackGauge(
      'kvstore_revision',
      'Revision of the last committed write (absent while starting)',
      () => status()?.revision,
      registry,
    );
    new CallbackGauge(
      'kvstore_compact_revision',
      'Revisions below this one have been compacted away',
      () => status()?.compactRevision,
      registry,
    );
    new CallbackGauge(
      'kvstore_keys',
      'Keys in the store, expired ones not yet swept included',
      () => status()?.keys,
      registry,
    );
    new CallbackGauge(
      'kvstore_checkpoint_revision',
      'Revision of the newest checkpoint; start-up replays the log after it',
      () => status()?.checkpointRevision,
      registry,
    );
    new CallbackGauge(
      'kvstore_log_damaged_records',
      'Log records the background check of the history found damaged since start-up (restore from a backup)',
      () => status()?.historyCheck.damagedRecords,
      registry,
    );
    const { providers } = options;
    new CallbackGauge('kvstore_watchers', 'Open Watch streams', () => providers.watchers?.().count, registry);
    new CallbackGauge(
      'kvstore_watch_lag_revisions',
      'Largest lag of any watcher: store revision minus the last revision sent to it',
      () => providers.watchers?.().maxLagRevisions,
      registry,
    );
    const dataDir = options.dataDir;
    if (dataDir !== undefined) {
      // statfs on every scrape: one system call, and the figure is never stale.
      const disk = () => {
        try {
          return statfsSync(dataDir);
        } catch {
          return undefined; // not created yet, or gone: no sample rather than a wrong one
        }
      };
      new CallbackGauge(
        'kvstore_data_dir_available_bytes',
        'Bytes free for kvstore on the file system of data.dir (what an unprivileged process may use)',
        () => {
          const fs = disk();
          return fs && fs.bavail * fs.bsize;
        },
        registry,
      );
      new CallbackGauge(
        'kvstore_data_dir_size_bytes',
        'Size of the file system of data.dir',
        () => {
          const fs = disk();
          return fs && fs.blocks * fs.bsize;
        },
        registry,
      );
    }
    new WatchMetrics(registry, providers);
    new NamespaceMetrics(registry, providers);
    new CallbackGauge(
      'kvstore_backups_running',
      'Backups being sent now, over gRPC or HTTP (absent until the server serves)',
      () => providers.backups?.(),
      registry,
    );
    new CallbackGauge(
      'kvstore_nats_connected',
      '1 when the NATS publisher is connected (absent when nats.url is empty)',
      () => {
        const nats = providers.nats?.();
        return nats === undefined ? undefined : nats.connected ? 1 : 0;
      },
      registry,
    );
    new CallbackGauge(
      'kvstore_nats_publish_lag_revisions',
      'Store revision minus the last revision NATS acknowledged (absent when nats.url is empty)',
      () => providers.nats?.().lagRevisions,
      registry,
    );
  }

  /** Starts reporting the store's gauges (revision, keys, ...) once it has opened. */
  attachStore(store: StatusSource): void {
    this.store = store;
  }

  /** Content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition, as /metrics serves it. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
