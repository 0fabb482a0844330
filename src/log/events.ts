/**
 * The events that make up the log. Every mutation of the store is one of these, and a committed
 * {@link LogRecord} groups the events of one write request under one revision.
 *
 * Events are self-contained facts: a put carries the key's version and create revision and the revision it
 * replaced, so any reader of the log (replay, a watcher catching up, a backup) sees the same key metadata
 * as the live store without rebuilding state. The writer computes them at the log's serialisation point
 * (see {@link RecordBuilder} in event-log.ts).
 *
 * Adding a kind of event (compaction markers) means adding a member to {@link LogEvent} and an opcode to
 * the codec; records already on disk keep decoding unchanged. Events that change no key (the lease events)
 * reach readers apart, in {@link LogRecord.leases}, so the many readers of key events never see them.
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
  /** The lease the key is attached to (etcd's KeyValue.lease); absent or 0: none (records before leases). */
  readonly lease?: number;
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
export type KeyEvent = PutEvent | DeleteEvent | ExpireEvent;

/**
 * A lease granted (etcd's LeaseGrant). Keep-alives are not logged (etcd does not persist them either): the
 * deadline lives in memory and starts over, a full TTL, when a node starts (see docs/etcd.md).
 */
export interface LeaseGrantEvent {
  readonly type: 'lease-grant';
  readonly lease: number;
  readonly ttlSeconds: number;
}

/**
 * A lease ended: revoked by a client, or `expired`. The record that holds it also holds the delete (or
 * expire) of every key attached to the lease, so watchers see them go in one revision.
 */
export interface LeaseRevokeEvent {
  readonly type: 'lease-revoke';
  readonly lease: number;
  readonly expired: boolean;
}

/** A change to the set of leases. */
export type LeaseEvent = LeaseGrantEvent | LeaseRevokeEvent;

/** Anything a record can hold: what record builders return and the codec stores. */
export type LogEvent = KeyEvent | LeaseEvent;

/** The kinds of key event ({@link KeyEvent}). */
export type LogEventType = KeyEvent['type'];

/** A committed write request: its revision, when the log accepted it, and its events in order. */
export interface LogRecord {
  readonly revision: number;
  /** Epoch milliseconds at which the log assigned the revision (used for point-in-time recovery). */
  readonly timeMs: number;
  /** The key events, in order. */
  readonly events: readonly KeyEvent[];
  /** The lease events, after the key events; absent when there are none (nearly every record). */
  readonly leases?: readonly LeaseEvent[];
}

/** A record from the events a builder returned: key events and lease events apart. */
export function logRecord(revision: number, timeMs: number, events: readonly LogEvent[]): LogRecord {
  // Nearly every record has no lease event: find that out without allocating.
  if (events.every(isKeyEvent)) return { revision, timeMs, events: events as readonly KeyEvent[] };
  const leases = events.filter((e): e is LeaseEvent => !isKeyEvent(e));
  return { revision, timeMs, events: events.filter(isKeyEvent), leases };
}

/** True for an event that changes a key. */
export function isKeyEvent(event: LogEvent): event is KeyEvent {
  return event.type === 'put' || event.type === 'delete' || event.type === 'expire';
}

/** A committed record as the log stores it: its revision and its payload in the codec's format (codec.ts). */
export interface RawRecord {
  readonly revision: number;
  readonly payload: Uint8Array;
}
