import type { JetStreamClient, JetStreamManager } from 'nats';
import { DeliverPolicy } from 'nats';
import { decodeRecord, verifyRawRecord } from '../codec.js';
import type { ReadOptions } from '../event-log.js';
import { DamagedRecordError, LogClosedError, LogCompactedError } from '../event-log.js';
import type { LogRecord, RawRecord } from '../events.js';

/** What the read side needs to know of the log it reads. */
export interface StreamBounds {
  /** The newest record this node has applied: reads end there unless told otherwise. */
  readonly last: () => number;
  /** The oldest sequence the stream still holds, as last seen. */
  readonly first: () => number;
  /** Tells the log that the stream starts later than it thought (another node compacted). */
  readonly compactedTo: (first: number) => void;
  readonly closed: () => boolean;
  /** For error messages: the stream's URL. */
  readonly name: string;
}

/**
 * Reads ranges of the log stream with an ordered consumer of their own (one round trip to create, then
 * the records stream in, flow-controlled), checking every record against its checksum.
 */
export class StreamReader {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly bounds: StreamBounds,
  ) {}

  /** Decoded records from `fromRevision`. */
  async *read(fromRevision: number, options: ReadOptions = {}): AsyncIterable<LogRecord> {
    for await (const raw of this.readRaw(fromRevision, options))
      yield decodeRecord(raw.revision, raw.payload);
  }

  /** Stored payloads from `fromRevision`, each verified against its checksum. */
  async *readRaw(fromRevision: number, options: ReadOptions = {}): AsyncIterable<RawRecord> {
    if (this.bounds.closed()) throw new LogClosedError();
    const from = Math.max(1, fromRevision);
    if (from < this.bounds.first()) throw new LogCompactedError(from, this.bounds.first());
    const to = Math.min(options.toRevision ?? this.bounds.last(), this.bounds.last());
    if (from > to) return;
    const consumer = await this.js.consumers.get(this.stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    const messages = await consumer.consume({ max_messages: Math.min(1024, options.pageSize ?? 1024) });
    try {
      let expected = from;
      for await (const msg of messages) {
        if (this.bounds.closed()) throw new LogClosedError();
        if (msg.seq !== expected) {
          // The stream starts after what was asked: compacted (by this or another node) meanwhile.
          this.bounds.compactedTo(msg.seq);
          throw new LogCompactedError(expected, msg.seq);
        }
        try {
          verifyRawRecord(msg.seq, msg.data);
        } catch (err) {
          throw new DamagedRecordError(this.bounds.name, msg.seq, err as Error);
        }
        yield { revision: msg.seq, payload: msg.data };
        if (msg.seq >= to) return;
        expected++;
      }
    } finally {
      await messages.close().catch(() => {});
    }
  }

  /** One record, or undefined when it is compacted or not written yet. */
  async readOne(revision: number): Promise<LogRecord | undefined> {
    if (revision < this.bounds.first() || revision > this.bounds.last()) return undefined;
    try {
      const stored = await this.jsm.streams.getMessage(this.stream, { seq: revision });
      return decodeRecord(revision, stored.data);
    } catch (err) {
      if (/no message found/i.test((err as Error).message)) return undefined;
      throw err;
    }
  }
}
