import type { ConsumerMessages, JetStreamClient, JsMsg } from 'nats';
import { DeliverPolicy } from 'nats';
import type { Logger } from 'pino';
import { decodeRecord } from '../codec.js';
import type { LogRecord } from '../events.js';

/** One record as the stream delivered it, with the id of the publish that wrote it. */
export interface TailedRecord {
  readonly record: LogRecord;
  readonly msgId: string;
}

/** What the tail does with what it reads. */
export interface TailSink {
  /** Records in sequence order, without a gap, in batches (everything that arrived in one turn). */
  deliver(batch: readonly TailedRecord[]): void;
  /** The stream cannot be followed any more (a gap: records this node never applied were purged). */
  broken(error: Error): void;
}

/**
 * Follows the log stream from a sequence on with an ordered consumer (which recreates itself after a
 * reconnect or a missed heartbeat, resuming after the last message it delivered), decoding and checking
 * every record, and hands them on in batches: one batch per turn of the event loop, so a burst of records
 * from other nodes costs one pass of the commit listeners, as a group commit does.
 */
export class LogTail {
  private messages: ConsumerMessages | null = null;
  private pending: TailedRecord[] = [];
  private flushScheduled = false;
  private stopped = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly sink: TailSink,
    private readonly logger: Logger,
  ) {}

  /** Starts reading at `fromSequence`; every sequence below it must already have been delivered. */
  async start(fromSequence: number): Promise<void> {
    let expected = fromSequence;
    const consumer = await this.js.consumers.get(this.stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: fromSequence,
    });
    if (this.stopped) return;
    this.messages = await consumer.consume({
      max_messages: 1024,
      // Short pulls: a consumer lost with its server (a killed node) is noticed by missed heartbeats within
      // about two seconds, and the ordered consumer is recreated on a live one.
      expires: 2_000,
      callback: (msg: JsMsg) => {
        if (this.stopped) return;
        // A recreated consumer may deliver again what its predecessor delivered: already applied.
        if (msg.seq < expected) return;
        if (msg.seq !== expected) {
          this.stop();
          this.sink.broken(
            new Error(
              `the log stream skipped from sequence ${expected} to ${msg.seq}: records this node had not ` +
                'applied were compacted away; restore this node from a backup or a newer checkpoint',
            ),
          );
          return;
        }
        expected++;
        let record: LogRecord;
        try {
          record = decodeRecord(msg.seq, msg.data);
        } catch (err) {
          this.stop();
          this.sink.broken(err as Error);
          return;
        }
        this.pending.push({ record, msgId: msg.headers?.get('Nats-Msg-Id') ?? '' });
        if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(() => this.flush());
        }
      },
    });
    this.logger.debug({ stream: this.stream, fromSequence }, 'following the log stream');
  }

  /** Stops following; records already read but not yet handed on are dropped. */
  stop(): void {
    this.stopped = true;
    this.pending = [];
    const messages = this.messages;
    this.messages = null;
    if (messages) void messages.close().catch(() => {});
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.stopped || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.sink.deliver(batch);
  }
}
