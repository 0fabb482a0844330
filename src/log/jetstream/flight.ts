import type { RecordBuilder } from '../event-log.js';
import type { LogEvent, LogRecord } from '../events.js';

/** One publish to the log stream, with the expectations that make it conditional. */
export interface PublishRequest {
  readonly payload: Uint8Array;
  /** Unique per attempt; a resend of the same attempt reuses it, so JetStream stores it at most once. */
  readonly msgId: string;
  /** The stream's last sequence must be this (the record lands at this + 1). */
  readonly lastSequence: number;
  /** When set, the stream's last message must be this publish of ours (the record this one was built on). */
  readonly lastMsgId: string | null;
}

/** An append waiting for its answer. */
export interface Pending {
  readonly events: readonly LogEvent[] | RecordBuilder;
  readonly resolve: (record: LogRecord) => void;
  readonly reject: (err: Error) => void;
  /** After this (epoch ms) the append gives up with UNAVAILABLE. */
  readonly deadline: number;
}

/** An append past its serialisation point: a record published (or to publish), or a builder's refusal. */
export type Flight =
  | {
      readonly kind: 'record';
      readonly pending: Pending;
      readonly record: LogRecord;
      readonly request: PublishRequest;
      readonly sentAt: number;
      acked: boolean;
    }
  /** The builder decided not to write, on state that includes the flights before it: answered once they hold. */
  | { readonly kind: 'refusal'; readonly pending: Pending; readonly error: Error };
