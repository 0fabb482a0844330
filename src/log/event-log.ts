import type { LogEvent, LogRecord, RawRecord } from './events.js';
import type { Membership } from './membership.js';

/**
 * The durable, totally ordered log: the single source of truth. It assigns revisions (1, 2, 3, ...; one per
 * appended record), builds each record at its serialisation point, and reports committed records to its
 * listeners in revision order. Backends: SQLite (embedded), NATS JetStream (clusters).
 */
export interface EventLog {
  /**
   * Appends one record atomically and resolves with it once it is durable and every commit listener has
   * seen it. With a {@link RecordBuilder}, the events are built at the moment the revision is assigned, so
   * conditions checked inside the builder hold for the record as written. A builder that throws rejects
   * the append with its error, and nothing is written.
   */
  append(events: readonly LogEvent[] | RecordBuilder): Promise<LogRecord>;
  /**
   * Reads committed records with revision >= `fromRevision` (and <= `toRevision`), in order. Throws
   * {@link LogCompactedError} when a revision to be read is compacted, before or during the read.
   */
  read(fromRevision: number, options?: ReadOptions): AsyncIterable<LogRecord>;
  /**
   * Like {@link read}, but yields each record's payload as stored, undecoded (for copying it: backups); each
   * is verified against its checksum first. Reads throw {@link DamagedRecordError} rather than yield a
   * record that fails it.
   */
  readRaw(fromRevision: number, options?: ReadOptions): AsyncIterable<RawRecord>;
  /** Reads the committed record at `revision`, or undefined when it is compacted or not yet written. */
  readOne(revision: number): Promise<LogRecord | undefined>;
  /** Registers a listener called synchronously, in revision order, with each batch of committed records. */
  onCommit(listener: CommitListener): () => void;
  /** The revision of the newest committed record (0 when the log is empty). */
  lastRevision(): number;
  /** Records below this revision have been compacted away (1 when nothing has been compacted). */
  compactRevision(): number;
  /**
   * Deletes the records below `revision` for good and raises {@link compactRevision} to it (no-op when it
   * is not above it). The caller must hold the state at `revision - 1` or later elsewhere (a checkpoint):
   * the log alone can no longer rebuild it. `revision` may be at most {@link lastRevision} + 1.
   */
  compact(revision: number): Promise<void>;
  /**
   * Continues the log at `revision`, declaring every record below it gone for good: those still held are
   * dropped and {@link compactRevision} becomes `revision`. For a history that lives elsewhere (a restored
   * backup's state, or a checkpoint ahead of a log that lost its end). `revision` must be above
   * {@link lastRevision}: a revision once handed out is never handed out again.
   */
  startAt(revision: number): Promise<void>;
  /**
   * Restore and migration: appends records copied from another log of the same history, keeping their
   * revisions, commit times and bytes. The first must be {@link lastRevision} + 1 and the rest follow without
   * a gap. Payloads of codec format 1 (backups of older builds) get their checksum; current ones must pass
   * it. Commit listeners are not called (there is no projection to feed during a restore).
   */
  appendVerbatim(records: readonly RawRecord[]): Promise<void>;
  /**
   * The verified-through watermark: every record from {@link compactRevision} through this revision has been
   * read back from storage and passed its checksum (at a start-up), so start-up need not read them again.
   * At least `compactRevision() - 1` (0 for a fresh log) and never above {@link lastRevision}.
   */
  verifiedThrough(): number;
  /**
   * Durably raises {@link verifiedThrough} to `revision` (at most {@link lastRevision}; a lower one is a
   * no-op). Written between group commits, never inside one.
   */
  markVerified(revision: number): Promise<void>;
  /** Bytes the log occupies on its storage (for SQLite: the database file and its WAL). */
  storageBytes(): Promise<number>;
  /**
   * Bytes of {@link storageBytes} that hold data (SQLite: the database's pages less its free list, which
   * compaction grows and {@link defragment} gives back). Absent: all of it.
   */
  storageInUseBytes?(): Promise<number>;
  /**
   * Gives the storage's free pages back to the file system (SQLite: VACUUM, then a WAL checkpoint that
   * truncates the WAL). Appends wait while it runs and are acknowledged after it. Absent for backends that
   * manage their own files (PostgreSQL, JetStream) or have none (memory).
   */
  defragment?(): Promise<DefragmentOutcome>;
  /**
   * Shared logs only: where the nodes on this log announce themselves and find each other (etcd's
   * MemberList). Absent for a log only this process uses.
   */
  membership?(): Membership;
  /** Describes the backend for status pages, e.g. `sqlite:/var/lib/kvstore/log.sqlite`. */
  describe(): string;
  /**
   * Shared logs only (several nodes append to it): the revision a linearizable read must wait for, i.e. the
   * newest revision committed by any node, as the backend knows it now (one round trip, shared by the reads
   * waiting for it). Absent for a log only this process writes, whose {@link lastRevision} is already that.
   */
  readIndex?(): Promise<number>;
  /** Backend details for status pages (the stream's leader and replicas, this node's lag). */
  backendStatus?(): Promise<LogBackendStatus>;
  /** Shared logs: why the backend cannot be reached now, or null when it can (for /readyz). */
  unavailable?(): string | null;
  /** Waits for appends in flight, then releases the backend. Later appends reject with {@link LogClosedError}. */
  close(): Promise<void>;
}

/**
 * Builds a record's events for the revision being assigned, at the log's serialisation point: every record
 * before `revision` has been assigned and no other will be until the builder returns. Called at most once
 * per attempt; a backend that must retry (JetStream, on a wrong expected sequence) calls it again with the
 * new revision, so it must not have side effects beyond the caller's own bookkeeping.
 */
export type RecordBuilder = (revision: number, timeMs: number) => readonly LogEvent[];

/** An append waiting in a log writer's queue for its group commit: what to write, and its caller's answer. */
export interface PendingAppend {
  readonly events: readonly LogEvent[] | RecordBuilder;
  readonly resolve: (record: LogRecord) => void;
  readonly reject: (err: Error) => void;
}

/** What a {@link EventLog.defragment} did: the storage's size before and after, and how long appends waited. */
export interface DefragmentOutcome {
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly ms: number;
}

/** What a shared log tells status pages about itself and this node's place in it. */
export interface LogBackendStatus {
  /** The newest revision committed by any node. */
  readonly headRevision: number;
  /** The server that orders appends now (the stream leader), when the backend has one. */
  readonly leader?: string;
  /** Copies of the log, with whether each is current and how far behind it is. */
  readonly replicas?: readonly { readonly name: string; readonly current: boolean; readonly lag: number }[];
  /** Why the backend cannot be reached, when it cannot. */
  readonly unavailable?: string;
}

/**
 * Receives committed records, oldest first; it runs before the appends resolve. Must not throw: one that does
 * stops the log for good (the batch's appends and every later one get a {@link LogWriteError} that says the
 * batch was committed), since this process's state could no longer follow the log.
 */
export type CommitListener = (records: readonly LogRecord[]) => void;

/** Bounds for {@link EventLog.read}. */
export interface ReadOptions {
  /** Last revision to read (inclusive); defaults to the newest committed record at each page. */
  readonly toRevision?: number;
  /** Records fetched per round trip to the backend. */
  readonly pageSize?: number;
}

/** The log was closed (shutdown in progress); the append was not written. */
export class LogClosedError extends Error {
  constructor() {
    super('the event log is closed');
    this.name = 'LogClosedError';
  }
}

/**
 * The log could not make a batch durable (disk full, I/O error). Nothing of the batch was acknowledged, and
 * the log refuses every later append: after a failed fsync the state of the file is unknown, so the process
 * must restart and recover from what is on disk (the PostgreSQL and etcd answer to the same problem). Also
 * thrown when a batch was made durable but a commit listener could not apply it: then the message says so.
 */
export class LogWriteError extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'LogWriteError';
  }
}

/**
 * The log's backend cannot be reached (a NATS cluster without quorum, a network partition): the append was
 * not acknowledged and may or may not be written; the client may retry it. The log keeps working and
 * resumes by itself once the backend is back.
 */
export class LogUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogUnavailableError';
  }
}

/** A read asked for records that compaction removed; `compactRevision` is the oldest still held. */
export class LogCompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compactRevision: number,
  ) {
    super(`revision ${requested} has been compacted (the oldest available is ${compactRevision})`);
    this.name = 'LogCompactedError';
  }
}

/** The file at the log's path is not a kvstore log, or is damaged; it was not modified. */
export class LogFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'LogFileError';
  }
}

/** A stored record fails its checksum or does not decode: the log is damaged at `revision`. */
export class DamagedRecordError extends LogFileError {
  constructor(
    path: string,
    readonly revision: number,
    override readonly cause: Error,
  ) {
    super(
      path,
      `${cause.message}; restore the data directory from a backup (kvstore restore); ` +
        'kvstore check --data-dir DIR lists every damaged record',
    );
    this.name = 'DamagedRecordError';
  }
}
