import type { LogEventType, LogRecord, PutEvent } from '../log/events.js';
import type { WatchFilter } from './watch-filter.js';
import { wants } from './watch-filter.js';

/** A key as it was before a change (for prev_kv). */
export interface PrevState {
  readonly key: string;
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly expiresAt: number;
  /** The lease that incarnation was attached to (0: none). */
  readonly lease: number;
}

/** One change a watcher receives. */
export interface WatchedEvent {
  readonly type: LogEventType;
  readonly key: string;
  /** The revision of the change. */
  readonly revision: number;
  /** The put itself (value and metadata after the change); null for deletes and expiries. */
  readonly put: PutEvent | null;
  readonly prev: PrevState | null;
}

/**
 * What one message to a watcher holds: the wanted events of one or more consecutive revisions, in order
 * and never splitting a revision, or a progress note. `revision` is the newest revision it covers; the
 * watcher has then seen everything it wants up to it.
 */
export interface WatchBatch {
  /** The oldest revision with an event in it (equal to `revision` for a progress note). */
  readonly from: number;
  readonly revision: number;
  readonly events: readonly WatchedEvent[];
  readonly progress: boolean;
}

/** Turns batches into wire messages; supplied by the API layer so streams know nothing of protobuf. */
export type WatchEncoder = (batch: WatchBatch) => Buffer;

/** The state of the key of event `index` before the record (null when absent or not asked for). */
export type PrevLookup = (index: number) => PrevState | null;

/** A message closes once its events reach this many value bytes (the next revision starts another). */
export const MESSAGE_BYTES = 256 * 1024;

/** Collects the wanted events of consecutive records into messages of bounded size. */
export class BatchBuilder {
  private events: WatchedEvent[] = [];
  private bytes = 0;
  private last = 0;
  /** First revision of the message being built (0: none yet). */
  first = 0;

  constructor(private readonly filter: WatchFilter) {}

  /**
   * Adds the wanted events of `record`. Returns the batch that closed before it when that one had reached
   * {@link MESSAGE_BYTES}, so messages stay bounded while a revision is never split.
   */
  add(record: LogRecord, prev: PrevLookup | null): WatchBatch | null {
    const closed = this.bytes >= MESSAGE_BYTES ? this.take() : null;
    for (let i = 0; i < record.events.length; i++) {
      const event = record.events[i]!;
      if (!wants(this.filter, event)) continue;
      if (this.events.length === 0) this.first = record.revision;
      const watched: WatchedEvent = {
        type: event.type,
        key: event.key,
        revision: record.revision,
        put: event.type === 'put' ? event : null,
        prev: this.filter.prevKv && prev ? prev(i) : null,
      };
      this.events.push(this.filter.stripPrefix ? stripped(watched, this.filter.stripPrefix.length) : watched);
      this.bytes += event.key.length + (event.type === 'put' ? event.value.length : 0) + 32;
      this.last = record.revision;
    }
    return closed;
  }

  /** The batch collected so far (null when nothing matched), and starts a new one. */
  take(): WatchBatch | null {
    if (this.events.length === 0) return null;
    const batch = { from: this.first, revision: this.last, events: this.events, progress: false };
    this.events = [];
    this.bytes = 0;
    this.first = 0;
    return batch;
  }
}

/** The event with `cut` characters (a namespace's prefix) taken off its keys. */
function stripped(event: WatchedEvent, cut: number): WatchedEvent {
  return {
    ...event,
    key: event.key.slice(cut),
    put: event.put && { ...event.put, key: event.put.key.slice(cut) },
    prev: event.prev && { ...event.prev, key: event.prev.key.slice(cut) },
  };
}

/** A progress note: nothing the watcher wants happened up to `revision`. */
export function progressBatch(revision: number): WatchBatch {
  return { from: revision, revision, events: [], progress: true };
}
