import type { RecordBuilder } from '../log/event-log.js';
import type { LogEvent, PutEvent } from '../log/events.js';
import type { KeyHead, WriteView } from './write-view.js';

/** Thrown by a builder that finds nothing to write (delete of an absent key); the store answers without a revision. */
export class NothingToWrite extends Error {
  constructor() {
    super('nothing to write');
    this.name = 'NothingToWrite';
  }
}

function isLive(head: KeyHead, timeMs: number): boolean {
  return head.expiresAt === 0 || head.expiresAt > timeMs;
}

/**
 * The events that make `key` absent-and-writable at `timeMs`: an EXPIRE for an incarnation whose deadline
 * has passed but that the sweeper has not removed yet, so watchers see it end before the next one begins.
 */
function expireIfDue(key: string, head: KeyHead | null, timeMs: number, out: LogEvent[]): KeyHead | null {
  if (head === null || isLive(head, timeMs)) return head;
  out.push({ type: 'expire', key, prevRevision: head.modRevision });
  return null;
}

/** A put of one key, versioned against the key's head at the serialisation point. */
export function putRecord(view: WriteView, key: string, value: Uint8Array, expiresAt: number): RecordBuilder {
  return (revision, timeMs) => {
    const events: LogEvent[] = [];
    const head = expireIfDue(key, view.head(key), timeMs, events);
    const put: PutEvent =
      head === null
        ? { type: 'put', key, value, expiresAt, createRevision: revision, version: 1, prevRevision: 0 }
        : {
            type: 'put',
            key,
            value,
            expiresAt,
            createRevision: head.createRevision,
            version: head.version + 1,
            prevRevision: head.modRevision,
          };
    events.push(put);
    view.stage(revision, events);
    return events;
  };
}

/** A delete of one key; throws {@link NothingToWrite} when the key is absent or already expired. */
export function deleteRecord(view: WriteView, key: string): RecordBuilder {
  return (revision, timeMs) => {
    const head = view.head(key);
    if (head === null || !isLive(head, timeMs)) throw new NothingToWrite();
    const events: LogEvent[] = [{ type: 'delete', key, prevRevision: head.modRevision }];
    view.stage(revision, events);
    return events;
  };
}

/**
 * EXPIRE events for the candidates whose incarnation is still the one scheduled and is past its deadline;
 * throws {@link NothingToWrite} when every candidate was overwritten or deleted meanwhile.
 */
export function expireRecord(
  view: WriteView,
  candidates: readonly { readonly key: string; readonly modRevision: number }[],
): RecordBuilder {
  return (revision, timeMs) => {
    const events: LogEvent[] = [];
    for (const { key, modRevision } of candidates) {
      const head = view.head(key);
      if (head !== null && head.modRevision === modRevision && !isLive(head, timeMs)) {
        events.push({ type: 'expire', key, prevRevision: modRevision });
      }
    }
    if (events.length === 0) throw new NothingToWrite();
    view.stage(revision, events);
    return events;
  };
}
