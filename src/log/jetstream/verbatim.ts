import type { PubAck } from 'nats';
import type { Logger } from 'pino';
import { upgradeRecord } from '../codec.js';
import type { RawRecord } from '../events.js';
import type { PublishRequest } from './appender.js';

/** Publishes acknowledged at once while copying records into a stream. */
const WINDOW = 256;

/**
 * Copies records into the stream with their revisions (restore, migration from another backend): each
 * publish expects the stream to end right before it, so a record can only land at its own revision, and
 * carries an id derived from its revision, so a retried copy is not stored twice.
 */
export async function publishVerbatim(
  records: readonly RawRecord[],
  last: number,
  publish: (request: PublishRequest) => Promise<PubAck>,
): Promise<void> {
  records.forEach(({ revision }, i) => {
    if (revision !== last + 1 + i) {
      throw new Error(`verbatim append expected revision ${last + 1 + i}, got ${revision}`);
    }
  });
  await publishInOrder(
    records.length,
    (i) => ({
      payload: upgradeRecord(records[i]!.revision, records[i]!.payload),
      msgId: `copy-${records[i]!.revision}`,
      lastSequence: records[i]!.revision - 1,
      lastMsgId: null,
    }),
    publish,
  );
}

/**
 * Fills the stream's sequences after `last` up to `through` with empty messages (which a purge removes
 * next), reporting progress every few seconds: a stream can only be made to start at a sequence this way
 * on nats-server 2.9.
 */
export async function fillTo(
  through: number,
  last: number,
  publish: (request: PublishRequest) => Promise<PubAck>,
  logger: Logger,
): Promise<void> {
  const count = through - last;
  if (count <= 0) return;
  let reported = Date.now();
  await publishInOrder(
    count,
    (i) => {
      if (Date.now() - reported > 5_000) {
        reported = Date.now();
        logger.info({ filled: i, of: count }, 'moving the log stream to its start revision');
      }
      return {
        payload: new Uint8Array(0),
        msgId: `fill-${last + 1 + i}`,
        lastSequence: last + i,
        lastMsgId: null,
      };
    },
    publish,
  );
}

/** Publishes `count` messages, `WINDOW` at a time, each of which must land at lastSequence + 1. */
async function publishInOrder(
  count: number,
  request: (i: number) => PublishRequest,
  publish: (request: PublishRequest) => Promise<PubAck>,
): Promise<void> {
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const r = request(i);
    const landed = publish(r).then((ack) => {
      if (ack.seq !== r.lastSequence + 1) {
        throw new Error(`the message for sequence ${r.lastSequence + 1} landed at ${ack.seq}`);
      }
    });
    landed.catch(() => {}); // awaited below, in order
    inFlight.push(landed);
    if (inFlight.length >= WINDOW) await inFlight.shift();
  }
  await Promise.all(inFlight);
}
