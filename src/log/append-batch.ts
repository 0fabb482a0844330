import { encodeRecord } from './codec.js';
import type { PendingAppend } from './event-log.js';
import { isKeyEvent, type LogEvent, type LogRecord, logRecord } from './events.js';

/** A group commit's appends, taken off a log writer's queue in order (see {@link takeBatch}). */
export interface AppendBatch {
  /** The records to write, at consecutive revisions. */
  readonly records: LogRecord[];
  /** Each record as stored (encodeRecord). */
  readonly payloads: Buffer[];
  /** Who waits for each record. */
  readonly waiters: PendingAppend[];
  /**
   * Builders that refused to write. A builder decides on the state with the records before it in this
   * batch, so its refusal is answered only once they are committed (or with their commit's failure):
   * otherwise a caller could be told of a revision that no read shows yet, or never will.
   */
  readonly refusals: { readonly pending: PendingAppend; readonly error: Error }[];
  /** Payload bytes of the records. */
  readonly bytes: number;
}

/** How much one group commit takes. */
export interface BatchLimits {
  readonly maxRecords: number;
  /** Payload bytes; a single larger record still commits alone. */
  readonly maxBytes: number;
}

/**
 * Takes appends off the front of `queue`, in order, until a limit is reached: builds their events at the
 * revisions after `last`, all at `timeMs`, and encodes them.
 */
export function takeBatch(
  queue: PendingAppend[],
  last: number,
  timeMs: number,
  limits: BatchLimits,
): AppendBatch {
  const records: LogRecord[] = [];
  const payloads: Buffer[] = [];
  const waiters: PendingAppend[] = [];
  const refusals: { pending: PendingAppend; error: Error }[] = [];
  let revision = last;
  let bytes = 0;
  while (queue.length > 0 && records.length < limits.maxRecords && bytes < limits.maxBytes) {
    const pending = queue[0]!;
    let events: readonly LogEvent[];
    if (typeof pending.events === 'function') {
      try {
        events = pending.events(revision + 1, timeMs);
      } catch (err) {
        queue.shift();
        refusals.push({ pending, error: err as Error });
        continue;
      }
    } else {
      events = pending.events;
      // Known before encoding: a record that would take the batch past its bytes waits for the next one.
      if (records.length > 0 && bytes + estimateSize(events) > limits.maxBytes) break;
    }
    queue.shift();
    revision++;
    const payload = encodeRecord(revision, timeMs, events);
    records.push(logRecord(revision, timeMs, events));
    payloads.push(payload);
    waiters.push(pending);
    bytes += payload.length;
  }
  return { records, payloads, waiters, refusals, bytes };
}

/** Answers a batch's appends once its records are committed (and applied): each its record or refusal. */
export function answerCommitted(batch: AppendBatch): void {
  for (let i = 0; i < batch.waiters.length; i++) batch.waiters[i]!.resolve(batch.records[i]!);
  for (const refusal of batch.refusals) refusal.pending.reject(refusal.error);
}

/** Every append of a batch whose commit failed (refusals too: what they rested on is not written). */
export function pendingOf(batch: AppendBatch): PendingAppend[] {
  return [...batch.waiters, ...batch.refusals.map((r) => r.pending)];
}

/** Payload size without encoding it twice: values dominate, keys and metadata add a little. */
function estimateSize(events: readonly LogEvent[]): number {
  let size = 16;
  for (const event of events)
    size +=
      24 + (isKeyEvent(event) ? event.key.length * 3 : 0) + (event.type === 'put' ? event.value.length : 0);
  return size;
}
