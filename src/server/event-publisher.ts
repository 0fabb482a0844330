import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Operations } from '../api/http/operations.js';
import type { Config } from '../config/settings.js';
import type { KvStore } from '../store/kv-store.js';
import { NatsPublisher } from '../streams/nats/publisher.js';

/** Starts publishing committed events to NATS subjects when nats.url is set; null when it is not. */
export async function startEventPublisher(
  config: Config,
  store: KvStore,
  ops: Operations,
  logger: Logger,
): Promise<NatsPublisher | null> {
  if (!config.nats.url) return null;
  const publisher = await NatsPublisher.start(
    store,
    {
      servers: config.nats.url,
      stream: config.nats.stream,
      subjectPrefix: config.nats.subjectPrefix,
      cursorPath: join(config.data.dir, 'nats-cursor.json'),
    },
    logger,
  );
  ops.providers.nats = () => {
    const s = publisher.stats();
    return { connected: s.state === 'connected', lagRevisions: s.lagRevisions };
  };
  return publisher;
}
