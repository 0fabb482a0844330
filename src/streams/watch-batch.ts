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
}

/** One change a watcher receives. */
export interface WatchedEvent {
  readonly type: LogEventType;
  readonly key: string;
  /** The put itself (value and metadata after the change); null for deletes and expiries. */
  readonly put: PutEvent | null;
  readonly prev: PrevState | null;
}

/** What one message to a watcher holds: the wanted events of one revision, or a progress note. */
export interface WatchBatch {
  readonly revision: number;
  readonly events: readonly WatchedEvent[];
  readonly progress: boolean;
}

/** Turns batches into wire messages; supplied by the API layer so streams know nothing of protobuf. */
export type WatchEncoder = (batch: WatchBatch) => Buffer;

/** The state of the key of event `index` before the record (null when absent or not asked for). */
export type PrevLookup = (index: number) => PrevState | null;

/** The events of `record` that `filter` wants, as one batch; null when none match. */
export function watchBatch(
  record: LogRecord,
  filter: WatchFilter,
  prev: PrevLookup | null,
): WatchBatch | null {
  let events: WatchedEvent[] | null = null;
  for (let i = 0; i < record.events.length; i++) {
    const event = record.events[i]!;
    if (!wants(filter, event)) continue;
    events ??= [];
    events.push({
      type: event.type,
      key: event.key,
      put: event.type === 'put' ? event : null,
      prev: filter.prevKv && prev ? prev(i) : null,
    });
  }
  return events === null ? null : { revision: record.revision, events, progress: false };
}

/** A progress note: nothing the watcher wants happened up to `revision`. */
export function progressBatch(revision: number): WatchBatch {
  return { revision, events: [], progress: true };
}
