import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Operations } from '../api/http/operations.js';
import type { Config } from '../config/config.js';
import { useKeyRing } from '../log/encryption.js';
import { ENCRYPTION_KEY_ENV, loadKeyRing } from '../security/encryption-keys.js';
import { natsConnectAuth } from '../security/nats-credentials.js';
import { KvStore } from '../store/kv-store.js';
import { cursorWitness } from '../streams/nats/cursor-file.js';
import type { ServerTracing } from './tracing.js';

/** Room for the key and the envelope of a request around the largest value. */
export const ENVELOPE_BYTES = 64 * 1024;

/** The largest response the server builds: a Get of the largest value always fits, whatever the limit says. */
export function maxResponseBytes(config: Config): number {
  return Math.max(config.limits.maxResponseBytes, 2 * config.limits.maxValueBytes);
}

/** Opens the store the configuration describes: its data directory, its log (log.url), its limits. */
export async function openStore(
  config: Config,
  ops: Operations,
  logger: Logger,
  tracing: ServerTracing | null = null,
): Promise<KvStore> {
  // Encryption at rest: the key ring is set before the log opens, so replay can open sealed records (a
  // missing or wrong key stops the start there) and every record written from now on is sealed.
  const ring = loadKeyRing(config.security.encryptionKeyFile, process.env[ENCRYPTION_KEY_ENV]);
  useKeyRing(ring);
  if (ring !== null) logger.info({ keys: ring.ids(), current: ring.currentId }, 'encryption at rest is on');
  return KvStore.open({
    dataDir: config.data.dir,
    log: config.log.url,
    durability: config.data.durability,
    limits: { ...config.limits, maxResponseBytes: maxResponseBytes(config) },
    defaultListLimit: config.limits.defaultListLimit,
    checkpoint: {
      everyRevisions: config.checkpoint.everyRevisions,
      intervalMs: config.checkpoint.intervalMs,
    },
    expiry: { intervalMs: config.expiry.sweepIntervalMs },
    compaction: config.compaction,
    logger,
    commitObserver: tracing ? tracing.observer(ops.metrics.log) : ops.metrics.log,
    wrapLog: tracing ? (log) => tracing.tracedLog(log) : undefined,
    // The publish cursor proves what was committed, even with NATS turned off since.
    witnesses: [cursorWitness(join(config.data.dir, 'nats-cursor.json'))],
    acceptLogTruncation: config.data.acceptLogTruncation,
    natsAuth: natsConnectAuth(config.nats),
  });
}
