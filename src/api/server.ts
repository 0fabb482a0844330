import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Config } from '../config/settings.js';
import { KvStore } from '../store/kv-store.js';
import { cursorWitness } from '../streams/nats/cursor-file.js';
import { NatsPublisher } from '../streams/nats/publisher.js';
import { WatchHub } from '../streams/watch-hub.js';
import { adminHandlers } from './admin-service.js';
import { admission } from './admission.js';
import { type RefusedRequest, startGrpcServer } from './grpc-server.js';
import { startOperations } from './http/operations.js';
import { kvMultiHandlers } from './kv-multi-service.js';
import { kvHandlers } from './kv-service.js';
import { listenError } from './listen-error.js';
import type { StatsProviders } from './metrics/providers.js';
import { installResponseCompression } from './response-compression.js';
import type { RequestObserver } from './unary.js';
import { encodeWatchBatch, watchHandler } from './watch-service.js';

/** A running kvstore server: the store and its listeners. */
export interface RunningServer {
  readonly store: KvStore;
  readonly grpcPort: number;
  /** Port of the admin HTTP listener (/metrics, /healthz, /readyz). */
  readonly httpPort: number;
  /** Where metrics and /readyz read the watch hub and the NATS publisher (see StatsProviders). */
  readonly providers: StatsProviders;
  /** The graceful shutdown sequence; see docs/operations.md. */
  close(): Promise<void>;
}

/** Room for the key and the envelope of a request around the largest value. */
const ENVELOPE_BYTES = 64 * 1024;

/**
 * Opens the store and starts serving. Requests up to four times the value limit are read in full so that
 * an oversized value gets INVALID_ARGUMENT naming the field and the limit; beyond that the transport
 * refuses the message with RESOURCE_EXHAUSTED before reading it.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  observe?: RequestObserver,
): Promise<RunningServer> {
  const startedAt = Date.now();
  // A Get of the largest value always fits, whatever the response limit says.
  const maxResponseBytes = Math.max(config.limits.maxResponseBytes, 2 * config.limits.maxValueBytes);
  // The admin listener comes first: during a long replay probes get "starting", not a refused connection.
  const ops = await startOperations(config, logger);
  const store = await KvStore.open({
    dataDir: config.data.dir,
    durability: config.data.durability,
    limits: { ...config.limits, maxResponseBytes },
    defaultListLimit: config.limits.defaultListLimit,
    checkpoint: {
      everyRevisions: config.checkpoint.everyRevisions,
      intervalMs: config.checkpoint.intervalMs,
    },
    expiry: { intervalMs: config.expiry.sweepIntervalMs },
    compaction: config.compaction,
    logger,
    commitObserver: ops.metrics.log,
    // The publish cursor proves what was committed, even with NATS turned off since.
    witnesses: [cursorWitness(join(config.data.dir, 'nats-cursor.json'))],
    acceptLogTruncation: config.data.acceptLogTruncation,
  }).catch(async (err: unknown) => {
    await ops.close();
    throw err;
  });
  const ctx = { logger, slowRequestMs: config.log.slowRequestMs, observe: ops.observer(observe) };
  const watchHub = new WatchHub(store, encodeWatchBatch, {
    maxBufferedEvents: config.watch.maxBufferedEvents,
    maxBufferedBytes: config.watch.maxBufferedBytes,
    maxBufferedBytesTotal: config.watch.maxBufferedBytesTotal,
    progressIntervalMs: config.watch.progressIntervalMs,
  });
  ops.providers.watchers = () => {
    const { watchers, maxLagRevisions } = watchHub.stats();
    return { count: watchers, maxLagRevisions };
  };
  const publisher = config.nats.url
    ? await NatsPublisher.start(
        store,
        {
          servers: config.nats.url,
          stream: config.nats.stream,
          subjectPrefix: config.nats.subjectPrefix,
          cursorPath: join(config.data.dir, 'nats-cursor.json'),
        },
        logger,
      )
    : null;
  if (publisher) {
    ops.providers.nats = () => {
      const s = publisher.stats();
      return { connected: s.state === 'connected', lagRevisions: s.lagRevisions };
    };
  }
  if (config.grpc.compressMinBytes > 0 && !installResponseCompression(config.grpc.compressMinBytes)) {
    logger.warn(
      'this @grpc/grpc-js version cannot be taught response compression; responses go uncompressed',
    );
  }
  const maxReceiveBytes = 4 * config.limits.maxValueBytes + ENVELOPE_BYTES;
  let grpc: Awaited<ReturnType<typeof startGrpcServer>>;
  try {
    // Requests answered before a handler (malformed, over the in-flight limits): counted and logged like
    // every other request, at debug.
    const refused: RefusedRequest = (path, code, details) => {
      const method = path.slice(path.lastIndexOf('/') + 1);
      ctx.observe?.(method, code, 0);
      if (logger.isLevelEnabled('debug'))
        logger.debug({ method, code: status[code], details }, 'request refused');
    };
    grpc = await startGrpcServer(
      {
        kv: {
          ...kvHandlers(store, ctx, maxResponseBytes),
          ...kvMultiHandlers(store, ctx, config.limits.defaultListLimit),
          Watch: watchHandler(watchHub, store.limits, logger),
        },
        admin: adminHandlers(
          store,
          { startedAt, durability: config.data.durability, nats: () => publisher?.stats() ?? null },
          ctx,
        ),
      },
      {
        listen: config.grpc.listen,
        maxReceiveBytes,
        maxSendBytes: maxResponseBytes + config.limits.maxValueBytes + ENVELOPE_BYTES,
        onRefused: refused,
        interceptors: [
          admission({ ...config.limits, maxRequestBytes: maxReceiveBytes }, (path, details) =>
            refused(path, status.RESOURCE_EXHAUSTED, details),
          ).interceptor,
        ],
      },
    );
  } catch (err) {
    watchHub.close();
    await publisher?.close();
    await store.close();
    await ops.close();
    throw listenError('grpc.listen', '--grpc-listen', config.grpc.listen, err);
  }
  ops.serving(store);
  const host = config.grpc.listen.slice(0, config.grpc.listen.lastIndexOf(':'));
  logger.info(
    {
      grpc: `${host}:${grpc.port}`,
      http: ops.httpAddress,
      dataDir: config.data.dir,
      revision: store.revision,
      keys: store.status().keys,
    },
    'kvstore is serving',
  );

  let closing: Promise<void> | null = null;
  return {
    store,
    grpcPort: grpc.port,
    httpPort: ops.httpPort,
    providers: ops.providers,
    close() {
      closing ??= (async () => {
        // Not ready first: readiness probes and load balancers learn of the shutdown at once.
        ops.stopping();
        logger.info({ timeoutMs: config.shutdown.timeoutMs }, 'shutting down: finishing in-flight requests');
        const drained = grpc.shutdown(config.shutdown.timeoutMs);
        // Watch streams never end by themselves: end them (UNAVAILABLE) so the drain can complete.
        watchHub.close();
        const started = Date.now();
        await drained;
        // NATS gets what is left of the timeout (at most 2 s); unpublished events go out after the restart.
        await publisher?.close(
          Math.min(2_000, Math.max(0, started + config.shutdown.timeoutMs - Date.now())),
        );
        await store.close();
        await ops.close();
        logger.info({ revision: store.revision }, 'shut down cleanly');
      })();
      return closing;
    },
  };
}
