import { describeSpan, type KeySpan } from '../keys/key-order.js';

/**
 * Errors the store raises for callers to act on. The API maps each class to one gRPC status code; the
 * message names the field and the limit so that it can be shown to a user as it is.
 */

/** A request argument is malformed or over a limit (gRPC INVALID_ARGUMENT). */
export class InvalidArgumentError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'InvalidArgumentError';
  }
}

/** The store is shutting down or its log failed; nothing was written (gRPC UNAVAILABLE). */
export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/** Another process holds the data directory (two writers would fork the revision sequence). */
export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    /** The holder's pid as it wrote it into the lock file; null when unreadable. */
    readonly pid: number | null,
  ) {
    super(
      `data directory ${dir} is in use by ${pid === null ? 'another process' : `process ${pid}`} ` +
        `(it holds the lock on ${dir}/kvstore.lock.sqlite)`,
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * A revision outside what the store holds: compacted away (`compactRevision` is the oldest still held), or
 * beyond the newest (gRPC OUT_OF_RANGE, with the compact revision in the `compact-revision` trailer).
 */
export class RevisionOutOfRangeError extends Error {
  constructor(
    readonly field: string,
    detail: string,
    readonly compactRevision: number,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'RevisionOutOfRangeError';
  }
}

/** The request conflicts with work in progress (a backup reading the history a compaction would drop); retry (gRPC ABORTED). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The data directory cannot be served as it is (for example, history compacted past every usable checkpoint). */
export class DataDirStateError extends Error {
  constructor(
    readonly dir: string,
    detail: string,
  ) {
    super(`data directory ${dir}: ${detail}`);
    this.name = 'DataDirStateError';
  }
}

/** A range operation would touch more keys than `limits.maxRangeKeys` allows (gRPC RESOURCE_EXHAUSTED). */
export class RangeTooLargeError extends Error {
  constructor(
    readonly span: KeySpan,
    readonly limit: number,
    advice = 'delete it in smaller ranges',
  ) {
    super(`${describeSpan(span)} holds more than ${limit} keys, over limits.maxRangeKeys; ${advice}`);
    this.name = 'RangeTooLargeError';
  }
}

/** A put that keeps the key's value or lease names a key that does not exist (etcd: "key not found"). */
export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`"${key}" does not exist: a put that keeps its value or lease needs the key`);
    this.name = 'KeyNotFoundError';
  }
}
