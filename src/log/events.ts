/**
 * The events that make up the log. Every mutation of the store is one of these, and a committed
 * {@link LogRecord} groups the events of one write request under one revision.
 *
 * Events are self-contained facts: a put carries the key's version and create revision and the revision it
 * replaced, so any reader of the log (replay, a watcher catching up, a backup) sees the same key metadata
 * as the live store without rebuilding state. The writer computes them at the log's serialisation point
 * (see {@link RecordBuilder} in event-log.ts).
 *
 * Adding a kind of event (leases, compaction markers) means adding a member to {@link LogEvent} and an
 * opcode to the codec; records already on disk keep decoding unchanged.
 */

/** A key set to a value. */
export interface PutEvent {
  readonly type: 'put';
  readonly key: string;
  readonly value: Uint8Array;
  /** Absolute epoch milliseconds after which the key is gone; 0 when it never expires. */
  readonly expiresAt: number;
  /** Revision that created this incarnation of the key (this record's revision when `version` is 1). */
  readonly createRevision: number;
  /** 1 on creation, +1 per put since. */
  readonly version: number;
  /** Revision of the put this one replaces; 0 when the key did not exist. */
  readonly prevRevision: number;
}

/** A key removed by a client. */
export interface DeleteEvent {
  readonly type: 'delete';
  readonly key: string;
  /** Revision of the put that is removed. */
  readonly prevRevision: number;
}

/** A key removed because its deadline passed; written by the expiry sweeper so replay reproduces it. */
export interface ExpireEvent {
  readonly type: 'expire';
  readonly key: string;
  /** Revision of the put that expired. */
  readonly prevRevision: number;
}

/** One mutation of one key. */
export type LogEvent = PutEvent | DeleteEvent | ExpireEvent;

/** The kinds of {@link LogEvent}. */
export type LogEventType = LogEvent['type'];

/** A committed write request: its revision, when the log accepted it, and its events in order. */
export interface LogRecord {
  readonly revision: number;
  /** Epoch milliseconds at which the log assigned the revision (used for point-in-time recovery). */
  readonly timeMs: number;
  readonly events: readonly LogEvent[];
}

/** A committed record as the log stores it: its revision and its payload in the codec's format (codec.ts). */
export interface RawRecord {
  readonly revision: number;
  readonly payload: Uint8Array;
}
