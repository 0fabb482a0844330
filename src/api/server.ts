import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Config } from '../config/settings.js';
import { KvStore } from '../store/kv-store.js';
import { adminHandlers } from './admin-service.js';
import { startGrpcServer } from './grpc-server.js';
import { kvHandlers } from './kv-service.js';
import type { RequestObserver } from './unary.js';

/** A running kvstore server: the store and its listeners. */
export interface RunningServer {
  readonly store: KvStore;
  readonly grpcPort: number;
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
  const store = await KvStore.open({
    dataDir: config.data.dir,
    durability: config.data.durability,
    limits: config.limits,
    defaultListLimit: config.limits.defaultListLimit,
    checkpoint: {
      everyRevisions: config.checkpoint.everyRevisions,
      intervalMs: config.checkpoint.intervalMs,
    },
    expiry: { intervalMs: config.expiry.sweepIntervalMs },
    logger,
  });
  const ctx = { logger, slowRequestMs: config.log.slowRequestMs, observe };
  const maxResponseBytes = Math.max(4 * 1024 * 1024, 2 * config.limits.maxValueBytes);
  let grpc: Awaited<ReturnType<typeof startGrpcServer>>;
  try {
    grpc = await startGrpcServer(
      {
        kv: {
          ...kvHandlers(store, ctx, maxResponseBytes),
          Watch: (call: { destroy(err: Error & { code: number }): void }) =>
            call.destroy(
              Object.assign(new Error('Watch is not implemented yet'), { code: status.UNIMPLEMENTED }),
            ),
        },
        admin: adminHandlers(store, { startedAt, durability: config.data.durability }, ctx),
      },
      {
        listen: config.grpc.listen,
        maxReceiveBytes: 4 * config.limits.maxValueBytes + ENVELOPE_BYTES,
        maxSendBytes: maxResponseBytes + config.limits.maxValueBytes + ENVELOPE_BYTES,
      },
    );
  } catch (err) {
    await store.close();
    throw new Error(`cannot listen on ${config.grpc.listen} (${(err as Error).message})`);
  }
  const host = config.grpc.listen.slice(0, config.grpc.listen.lastIndexOf(':'));
  logger.info(
    {
      grpc: `${host}:${grpc.port}`,
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
    close() {
      closing ??= (async () => {
        logger.info({ timeoutMs: config.shutdown.timeoutMs }, 'shutting down: finishing in-flight requests');
        await grpc.shutdown(config.shutdown.timeoutMs);
        await store.close();
        logger.info({ revision: store.revision }, 'shut down cleanly');
      })();
      return closing;
    },
  };
}
