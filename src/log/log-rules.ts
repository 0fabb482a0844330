import type { CommitListener } from './event-log.js';

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

  notify(records: Parameters<CommitListener>[0]): void {
    for (const listener of this.listeners) listener(records);
  }
}
