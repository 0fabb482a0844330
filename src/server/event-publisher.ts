import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Operations } from '../api/http/operations.js';
import type { Config } from '../config/config.js';
import { natsConnectAuth } from '../security/nats-credentials.js';
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
      auth: natsConnectAuth(config.nats),
      stream: config.nats.stream,
      subjectPrefix: config.nats.subjectPrefix,
      cursorPath: join(config.data.dir, 'nats-cursor.json'),
      // A cluster's events stream gets the log stream's replicas: losing a NATS server loses neither.
      replicas: config.log.url.scheme === 'nats' ? config.log.url.replicas : 1,
    },
    logger,
  );
  ops.providers.nats = () => {
    const s = publisher.stats();
    return { connected: s.state === 'connected', lagRevisions: s.lagRevisions };
  };
  return publisher;
}
