import type { KeySpan } from '../keys/key-order.js';
import type { RecordBuilder } from '../log/event-log.js';
import type { LogEvent, PutEvent } from '../log/events.js';
import { type Condition, checkCondition } from './conditions.js';
import { RangeTooLargeError } from './errors.js';
import { checkLeaseExists } from './lease-errors.js';
import type { ResponseBudget } from './response-budget.js';
import type { KeyHead, KeyRow, WriteView } from './write-view.js';

/**
 * Thrown by a builder that finds nothing to write (delete of an absent key, a read-only transaction).
 * `basedOn` is the revision the decision saw; the store answers once that revision is durable, so a reply
 * never rests on a record that might still fail to commit.
 */
export class NothingToWrite extends Error {
  constructor(readonly basedOn: number) {
    super('nothing to write');
    this.name = 'NothingToWrite';
  }
}

/** True when the head has not expired at `timeMs`. */
export function isLive(head: KeyHead, timeMs: number): boolean {
  return head.expiresAt === 0 || head.expiresAt > timeMs;
}

/**
 * The events that make `key` absent-and-writable at `timeMs`: an EXPIRE for an incarnation whose deadline
 * has passed but that the sweeper has not removed yet, so watchers see it end before the next one begins.
 */
export function expireIfDue(
  key: string,
  head: KeyHead | null,
  timeMs: number,
  out: LogEvent[],
): KeyHead | null {
  if (head === null || isLive(head, timeMs)) return head;
  out.push({ type: 'expire', key, prevRevision: head.modRevision });
  return null;
}

/**
 * The put event that follows `head` (null: the key is absent, so this put creates it at `revision`),
 * attaching the key to `lease` when it is not 0.
 */
export function putEvent(
  key: string,
  value: Uint8Array,
  expiresAt: number,
  head: KeyHead | null,
  revision: number,
  lease = 0,
): PutEvent {
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
  return lease === 0 ? put : { ...put, lease };
}

/**
 * A TTL's deadline, from the commit time the log assigns (not the time the request arrived), so that every
 * path and every node computes it the same way; 0 when there is no TTL.
 */
export function deadline(timeMs: number, ttlMs: number | undefined): number {
  return ttlMs === undefined ? 0 : timeMs + ttlMs;
}

/**
 * A put of one key, versioned against the key's head at the serialisation point, optionally conditional,
 * optionally attached to a lease (which must exist then).
 */
export function putRecord(
  view: WriteView,
  key: string,
  value: Uint8Array,
  ttlMs: number | undefined,
  condition?: Condition,
  lease = 0,
): RecordBuilder {
  return (revision, timeMs) => {
    const events: LogEvent[] = [];
    const head = expireIfDue(key, view.head(key), timeMs, events);
    if (condition) checkCondition(key, condition, head, () => view.value(key), revision - 1);
    checkLeaseExists(view, lease);
    events.push(putEvent(key, value, deadline(timeMs, ttlMs), head, revision, lease));
    view.stage(revision, events);
    return events;
  };
}

/** One item of a batch put. */
export interface PutItem {
  readonly key: string;
  readonly value: Uint8Array;
  /** Time to live from the commit time; absent: never expires. */
  readonly ttlMs: number | undefined;
}

/** Puts of several distinct keys as one record (one revision). */
export function putManyRecord(view: WriteView, items: readonly PutItem[]): RecordBuilder {
  return (revision, timeMs) => {
    const events: LogEvent[] = [];
    for (const item of items) {
      const head = expireIfDue(item.key, view.head(item.key), timeMs, events);
      events.push(putEvent(item.key, item.value, deadline(timeMs, item.ttlMs), head, revision));
    }
    view.stage(revision, events);
    return events;
  };
}

/** A delete of one key; throws {@link NothingToWrite} when it is absent or expired. */
export function deleteRecord(view: WriteView, key: string, condition?: Condition): RecordBuilder {
  return (revision, timeMs) => {
    const raw = view.head(key);
    const head = raw !== null && isLive(raw, timeMs) ? raw : null;
    if (condition) checkCondition(key, condition, head, () => view.value(key), revision - 1);
    if (head === null) throw new NothingToWrite(revision - 1);
    const events: LogEvent[] = [{ type: 'delete', key, prevRevision: head.modRevision }];
    view.stage(revision, events);
    return events;
  };
}

/** Deletes of those of `keys` that exist, as one record; {@link NothingToWrite} when none does. */
export function deleteManyRecord(
  view: WriteView,
  keys: readonly string[],
  deleted: Set<string>,
): RecordBuilder {
  return (revision, timeMs) => {
    const events: LogEvent[] = [];
    deleted.clear();
    for (const key of keys) {
      const head = view.head(key);
      if (head === null) continue;
      if (isLive(head, timeMs)) {
        events.push({ type: 'delete', key, prevRevision: head.modRevision });
        deleted.add(key);
      } else {
        events.push({ type: 'expire', key, prevRevision: head.modRevision });
      }
    }
    if (deleted.size === 0) throw new NothingToWrite(revision - 1);
    view.stage(revision, events);
    return events;
  };
}

/**
 * Every live key of `span` at the serialisation point, as a delete of each (expired keys found on the way
 * get their EXPIRE). Throws {@link RangeTooLargeError} past `maxKeys`.
 */
export function rangeDeletes(
  view: WriteView,
  span: KeySpan,
  maxKeys: number,
  timeMs: number,
  events: LogEvent[],
): KeyRow[] {
  const { rows, more } = view.scan(span, maxKeys);
  if (more) throw new RangeTooLargeError(span, maxKeys);
  const deleted: KeyRow[] = [];
  for (const row of rows) {
    if (isLive(row, timeMs)) {
      events.push({ type: 'delete', key: row.key, prevRevision: row.modRevision });
      deleted.push(row);
    } else {
      events.push({ type: 'expire', key: row.key, prevRevision: row.modRevision });
    }
  }
  return deleted;
}

/**
 * Deletes every live key of a span as one record; `out` receives the deleted rows. With a `budget` (the
 * answer carries the rows), an answer over it refuses the delete before anything is written.
 */
export function deleteRangeRecord(
  view: WriteView,
  span: KeySpan,
  maxKeys: number,
  out: KeyRow[],
  budget?: () => ResponseBudget,
): RecordBuilder {
  return (revision, timeMs) => {
    const events: LogEvent[] = [];
    out.length = 0;
    out.push(...rangeDeletes(view, span, maxKeys, timeMs, events));
    if (budget) {
      // A fresh budget per attempt: a backend that retries the builder must not count twice.
      const answer = budget();
      for (const row of out) answer.addRow(row.key, row.value);
    }
    if (events.length === 0) throw new NothingToWrite(revision - 1);
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
    if (events.length === 0) throw new NothingToWrite(revision - 1);
    view.stage(revision, events);
    return events;
  };
}
