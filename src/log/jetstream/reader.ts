import type { ConsumerMessages, JetStreamClient, JetStreamManager, StoredMsg } from 'nats';
import { DeliverPolicy } from 'nats';
import type { Logger } from 'pino';
import { decodeRecord, verifyRawRecord } from '../codec.js';
import type { ReadOptions } from '../event-log.js';
import { DamagedRecordError, LogClosedError, LogCompactedError, LogUnavailableError } from '../event-log.js';
import type { LogRecord, RawRecord } from '../events.js';

/** A range read that receives nothing for this long (ms) is abandoned with {@link LogUnavailableError}. */
export const READ_STALL_MS = 10_000;

/**
 * How long (ms) a read waits for its consumer to be created before it reads records one by one instead.
 * Measured on nats-server 2.9.10, 3 nodes, the stream's leader SIGKILLed and left down, a consumer made
 * once a second: in 3 runs of 4 about half were still never answered 40 s after the kill (the one-replica
 * consumer placed on the dead server, presumably), while a direct read of a message worked from the end of
 * the election (6-9 s). A healthy cluster creates one in milliseconds.
 */
export const CONSUMER_OPEN_MS = 2_000;

/** Records read one by one (STREAM.MSG.GET) after a consumer could not be created, before trying again. */
export const DIRECT_READ_RECORDS = 256;

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
    private readonly logger: Logger,
  ) {}

  private refusedReads = 0;
  private refusedReadsLoggedAt = 0;

  /** Decoded records from `fromRevision`. */
  async *read(fromRevision: number, options: ReadOptions = {}): AsyncIterable<LogRecord> {
    for await (const raw of this.readRaw(fromRevision, options))
      yield decodeRecord(raw.revision, raw.payload);
  }

  /**
   * Stored payloads from `fromRevision`, each verified against its checksum. Read with an ordered consumer;
   * when one cannot be created in {@link CONSUMER_OPEN_MS}, the next {@link DIRECT_READ_RECORDS} records
   * (twice as many after each such refusal) are read one by one from the stream's leader, then a consumer
   * is tried again for the rest.
   */
  async *readRaw(fromRevision: number, options: ReadOptions = {}): AsyncIterable<RawRecord> {
    if (this.bounds.closed()) throw new LogClosedError();
    const from = Math.max(1, fromRevision);
    if (from < this.bounds.first()) throw new LogCompactedError(from, this.bounds.first());
    const to = Math.min(options.toRevision ?? this.bounds.last(), this.bounds.last());
    let next = from;
    // Twice as many after each refusal: a long read makes few consumers that may never be answered (the
    // library goes on trying to create an abandoned one for minutes).
    let direct = DIRECT_READ_RECORDS;
    while (next <= to) {
      const messages = await this.openConsumer(next, to, options.pageSize);
      if (messages === null) {
        const end = Math.min(to, next + direct - 1);
        for (; next <= end; next++) yield await this.readDirect(next);
        direct *= 2;
        continue;
      }
      for await (const record of this.consume(messages, next, to)) {
        yield record;
        next = record.revision + 1;
      }
    }
  }

  /** An ordered consumer's messages from `from`, or null when it is not created in time. */
  private async openConsumer(from: number, to: number, pageSize = 1024): Promise<ConsumerMessages | null> {
    // A consumer made as the stream's leader dies, or placed on a dead server, is never made: not waited for.
    const opening = this.js.consumers
      .get(this.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from })
      .then((consumer) => consumer.consume({ max_messages: Math.min(1024, pageSize) }));
    const opened = await within(opening, CONSUMER_OPEN_MS);
    if (opened !== null) return opened;
    void opening.then((late) => late.close()).catch(() => {});
    this.refusedReads++;
    if (Date.now() - this.refusedReadsLoggedAt >= 60_000) {
      // At most once a minute, with how many reads it happened to since.
      this.logger.warn(
        { stream: this.stream, from, to, reads: this.refusedReads },
        'JetStream did not create a read consumer in time (is a NATS node down?): reading records one by one',
      );
      this.refusedReadsLoggedAt = Date.now();
      this.refusedReads = 0;
    }
    return null;
  }

  /** The records `from`..`to` a consumer delivers, checked; closes the consumer after. */
  private async *consume(messages: ConsumerMessages, from: number, to: number): AsyncIterable<RawRecord> {
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
        yield this.verified(msg.seq, msg.data);
        if (msg.seq >= to) return;
        expected++;
      }
    } finally {
      await beforeStall(messages.close(), () => new LogUnavailableError('close')).catch(() => {});
    }
  }

  /** One record read from the stream's leader (STREAM.MSG.GET), checked. */
  private async readDirect(revision: number): Promise<RawRecord> {
    if (this.bounds.closed()) throw new LogClosedError();
    let stored: StoredMsg;
    try {
      stored = await beforeStall(
        this.jsm.streams.getMessage(this.stream, { seq: revision }),
        () =>
          new LogUnavailableError(
            `${this.bounds.name}: no answer for ${READ_STALL_MS / 1000} s reading revision ${revision}`,
          ),
      );
    } catch (err) {
      if (!/no message found/i.test((err as Error).message)) throw err;
      // Gone: compacted meanwhile (by this or another node), as a consumer would have found.
      const first = (await this.jsm.streams.info(this.stream)).state.first_seq;
      this.bounds.compactedTo(first);
      throw new LogCompactedError(revision, first);
    }
    return this.verified(revision, stored.data);
  }

  private verified(revision: number, payload: Uint8Array): RawRecord {
    try {
      verifyRawRecord(revision, payload);
    } catch (err) {
      throw new DamagedRecordError(this.bounds.name, revision, err as Error);
    }
    return { revision, payload };
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

/** `work`'s result, or null when it takes longer than `ms` (`work` goes on). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** `work`'s result, or the error `stalled` makes when it takes longer than {@link READ_STALL_MS}. */
function beforeStall<T>(work: Promise<T>, stalled: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(stalled()), READ_STALL_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
