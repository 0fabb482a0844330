import type { JetStreamClient, JetStreamManager } from 'nats';
import { DeliverPolicy } from 'nats';
import { decodeRecord, verifyRawRecord } from '../codec.js';
import type { ReadOptions } from '../event-log.js';
import { DamagedRecordError, LogClosedError, LogCompactedError, LogUnavailableError } from '../event-log.js';
import type { LogRecord, RawRecord } from '../events.js';

/** A range read that receives nothing for this long (ms) is abandoned with {@link LogUnavailableError}. */
export const READ_STALL_MS = 10_000;

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
    // A consumer made as the stream's leader dies can stay silent, or never be made: a read that stalls ends
    // in an error the caller may retry (a watch's catch-up does), instead of waiting forever.
    const opening = this.js.consumers
      .get(this.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from })
      .then((consumer) => consumer.consume({ max_messages: Math.min(1024, options.pageSize ?? 1024) }));
    const messages = await beforeStall(opening, () => {
      void opening.then((late) => late.close()).catch(() => {});
      return new LogUnavailableError(
        `${this.bounds.name}: no answer for ${READ_STALL_MS / 1000} s opening a read of revisions ${from}..${to}`,
      );
    });
    // Each wait for the next record is timed on its own, so a stall ends the read even if the library's
    // iterator does not end when closed (an ordered consumer recreating itself on a dead leader).
    const records = messages[Symbol.asyncIterator]();
    let expected = from;
    try {
      for (;;) {
        const next = await beforeStall(records.next(), () => {
          void messages.close().catch(() => {});
          return new LogUnavailableError(
            `${this.bounds.name}: no record for ${READ_STALL_MS / 1000} s while reading revisions ${expected}..${to}`,
          );
        });
        if (next.done) {
          // A range read ends at `to`: a consumer that ends before (deleted, a leader change) is a failed
          // read the caller may make again, never a short answer taken for the whole range.
          if (this.bounds.closed()) throw new LogClosedError();
          throw new LogUnavailableError(
            `${this.bounds.name}: the stream's consumer ended before revision ${expected} of ${from}..${to}`,
          );
        }
        const msg = next.value;
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
      await beforeStall(messages.close(), () => new LogUnavailableError('close')).catch(() => {});
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

/** `work`'s result, or the error `stalled` makes when it takes longer than {@link READ_STALL_MS}. */
function beforeStall<T>(work: Promise<T>, stalled: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(stalled()), READ_STALL_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
