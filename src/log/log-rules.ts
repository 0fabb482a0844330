import { type CommitListener, LogWriteError } from './event-log.js';

/**
 * The argument rules every backend applies the same way (one place, so the backends cannot drift apart).
 */

/** `compact(revision)`: a whole number at most one past the last record. */
export function checkCompactTarget(revision: number, last: number): void {
  if (!Number.isInteger(revision) || revision > last + 1) {
    throw new RangeError(`compact: revision ${revision} is not a whole number <= ${last + 1}`);
  }
}

/** `startAt(revision)`: past every revision handed out, so that none is handed out twice. */
export function checkStartAt(where: string, revision: number, last: number): void {
  if (!Number.isSafeInteger(revision) || revision <= last) {
    throw new RangeError(
      `${where}: startAt(${revision}) would hand out a revision again (the log ends at ${last})`,
    );
  }
}

/** `markVerified(revision)`: a whole number at most the last record. */
export function checkMarkVerified(revision: number, last: number): void {
  if (!Number.isSafeInteger(revision) || revision > last) {
    throw new RangeError(`markVerified: revision ${revision} is not a whole number <= ${last}`);
  }
}

/** The commit listeners of a log: registered, unregistered by the returned function, told in order. */
export class CommitListeners {
  private readonly listeners: CommitListener[] = [];

  add(listener: CommitListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Tells every listener about a committed batch. A listener that throws (a bug in applying a record) leaves
   * this process's projections behind its durable log, for good: the answer is the error to fail-stop
   * with (answer the batch, refuse every later append, report not ready), or null when all went well.
   */
  notify(records: Parameters<CommitListener>[0], where: string): LogWriteError | null {
    try {
      for (const listener of this.listeners) listener(records);
      return null;
    } catch (err) {
      return applyFailure(where, records, err);
    }
  }
}

/**
 * The batch IS durable, so its appends must not hear "not written". A LogWriteError, which the store answers
 * UNAVAILABLE (not INTERNAL): the server is out of service until a restart, which replays the log and applies
 * the batch, so clients should go elsewhere or come back; the message says the write was committed, as the
 * "may or may not have been written" UNAVAILABLE does, so nobody retries it blindly.
 */
function applyFailure(where: string, records: Parameters<CommitListener>[0], err: unknown): LogWriteError {
  const first = records[0]?.revision ?? 0;
  const last = records.at(-1)?.revision ?? first;
  const span = first === last ? `revision ${first}` : `revisions ${first}..${last}`;
  return new LogWriteError(
    `${where}: ${span} committed to the log, but this server could not apply it ` +
      `(${err instanceof Error ? err.message : String(err)}); it accepts no more writes until kvstore ` +
      'restarts (the restart replays the log, the write included)',
    err,
  );
}
