import {
  type ConnectionOptions,
  connect,
  DiscardPolicy,
  type JetStreamManager,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from 'nats';
import type { Logger } from 'pino';
import { LogFileError } from '../event-log.js';
import type { LogUrl } from '../log-url.js';

/** A `nats://` log URL, parsed. */
export type NatsLogUrl = LogUrl & { scheme: 'nats' };

/** The subject the log's records are published on: one per stream, outside the event subjects. */
export function logSubject(stream: string): string {
  return `kvstore.log.${stream}`;
}

/**
 * How long JetStream remembers a `Nats-Msg-Id`: a publish retried within it (after a lost ack, a
 * reconnect, a leader change) is answered "duplicate" instead of stored twice. Retries give up well before.
 */
export const DUPLICATE_WINDOW_NS = 120 * 1e9;

/** Connects to the log's NATS servers; reconnects forever (the log rides out outages). */
export async function connectLog(
  url: NatsLogUrl,
  logger: Logger,
  auth: Partial<ConnectionOptions> = {},
): Promise<NatsConnection> {
  try {
    const nc = await connect({
      ...auth,
      servers: [...url.servers],
      name: `kvstore-log-${url.stream}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 5_000,
      timeout: 5_000,
      // No stack captured per request: measured at ~4 % of a node's CPU under write load (nats.js's
      // default keeps one per publish for the rare error that would use it).
      noAsyncTraces: true,
    });
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect')
          logger.warn(
            { servers: url.servers, event: s.type, server: s.data },
            `NATS log connection: ${s.type}`,
          );
      }
    })().catch(() => {});
    return nc;
  } catch (err) {
    throw new LogFileError(
      formatServers(url),
      `cannot reach the NATS servers of the log (${(err as Error).message}); check log.url (--log-url)`,
    );
  }
}

/**
 * The log's stream, created when absent (file storage, the URL's replicas, nothing ever discarded but by
 * compaction). An existing stream must be one kvstore made: its subjects must be exactly the log subject.
 */
export async function ensureLogStream(
  jsm: JetStreamManager,
  url: NatsLogUrl,
  logger: Logger,
): Promise<StreamInfo> {
  const subject = logSubject(url.stream);
  try {
    const info = await jsm.streams.info(url.stream);
    const subjects = info.config.subjects ?? [];
    if (subjects.length !== 1 || subjects[0] !== subject) {
      throw new LogFileError(
        formatServers(url),
        `stream ${url.stream} exists but is not a kvstore log (its subjects are ${JSON.stringify(subjects)}, ` +
          `a log's are ["${subject}"]); name another stream in log.url`,
      );
    }
    return info;
  } catch (err) {
    if (err instanceof LogFileError) throw err;
    if (!/stream not found/i.test((err as Error).message)) throw err;
  }
  const info = await jsm.streams
    .add({
      name: url.stream,
      subjects: [subject],
      storage: StorageType.File,
      num_replicas: url.replicas,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      max_msgs: -1,
      max_bytes: -1,
      max_age: 0,
      duplicate_window: DUPLICATE_WINDOW_NS,
      allow_direct: true,
      deny_delete: true,
    })
    .catch(async (err: unknown) => {
      // Nodes of a cluster starting together race to create it: the loser uses the winner's.
      if (!/already in use/i.test((err as Error).message)) throw err;
      return jsm.streams.info(url.stream);
    });
  logger.info({ stream: url.stream, replicas: url.replicas, subject }, 'created the JetStream log stream');
  return info;
}

/** `nats://a:1,b:2/STREAM`, for messages. */
export function formatServers(url: NatsLogUrl): string {
  return `nats://${url.servers.map((s) => s.replace(/^nats:\/\//, '')).join(',')}/${url.stream}`;
}

/** The oldest sequence a stream holds: `first_seq`, or the next one when it is empty. */
export function firstSequence(info: StreamInfo): number {
  return info.state.messages === 0 ? info.state.last_seq + 1 : Math.max(1, info.state.first_seq);
}
