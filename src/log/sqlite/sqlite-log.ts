import type { Logger } from 'pino';
import {
  type AppendBatch,
  answerCommitted,
  type BatchLimits,
  pendingOf,
  takeBatch,
} from '../append-batch.js';
import { upgradeRecord } from '../codec.js';
import type { CommitObserver } from '../commit-observer.js';
import type {
  CommitListener,
  DefragmentOutcome,
  EventLog,
  PendingAppend,
  ReadOptions,
  RecordBuilder,
} from '../event-log.js';
import { LogClosedError, LogFileError, LogWriteError } from '../event-log.js';
import type { LogEvent, LogRecord, RawRecord } from '../events.js';
import { CommitListeners, checkCompactTarget, checkMarkVerified, checkStartAt } from '../log-rules.js';
import type { PreparedStatement } from './sqlite-connection.js';
import { SqliteConnection } from './sqlite-connection.js';
import { checkLogFile } from './sqlite-file-check.js';
import {
  deleteBelow,
  insertVerbatim,
  pagesInUse,
  readMeta,
  storageBytes,
  vacuum,
  writeMeta,
} from './sqlite-maintenance.js';
import { SqliteLogReader } from './sqlite-reader.js';
import { checkSchema, initialiseSchema, SCHEMA_VERSION, upgradeSchema } from './sqlite-schema.js';

/**
 * How a commit reaches the disk. `fsync` (default): SQLite `synchronous=FULL`, every group commit is fsynced
 * before any of its writes is acknowledged, so an acknowledged write survives a power loss. `relaxed`:
 * `synchronous=NORMAL` in WAL mode, which survives a process crash (kill -9) but may lose the last commits
 * on power loss or an OS crash.
 */
export type Durability = 'fsync' | 'relaxed';

/** Options of {@link SqliteEventLog.open}. */
export interface SqliteLogOptions {
  readonly durability?: Durability;
  /** Most records in one group commit (one INSERT statement, one transaction, one fsync). */
  readonly maxBatchRecords?: number;
  /** Most payload bytes in one group commit; a larger single record still commits alone. */
  readonly maxBatchBytes?: number;
  /** Told about every group commit (size, bytes, duration) and a failed one; for metrics and health. */
  readonly observer?: CommitObserver;
  /**
   * Restore into a file that is thrown away if anything fails: no journal and no fsync until the caller
   * syncs the closed file itself. Writes go once to the database file instead of WAL then database.
   * The next ordinary open turns WAL back on.
   */
  readonly bulkLoad?: boolean;
  /** Told about a long schema upgrade (progress every few seconds). */
  readonly logger?: Logger;
}

/** Revisions deleted per compaction transaction: short enough that a group commit never waits long. */
const COMPACT_SLICE = 20_000;

/**
 * The embedded log: one SQLite file in WAL mode, table `log(revision INTEGER PRIMARY KEY, record BLOB)`.
 * One process owns the file (the store holds a lock on the data directory). Appends queue up while a commit
 * is in flight and the queue then goes down as one multi-row INSERT: one transaction, one fsync.
 */
export class SqliteEventLog implements EventLog {
  private readonly queue: PendingAppend[] = [];
  private readonly listeners = new CommitListeners();
  private readonly insertStatements = new Map<number, PreparedStatement>();
  /** Work for the writer connection that must not interleave with a group commit (compaction, restore). */
  private readonly chores: { readonly run: () => Promise<void>; readonly reject: (err: Error) => void }[] =
    [];
  private committing: Promise<void> | null = null;
  private readonly reads: SqliteLogReader;
  private closed = false;
  private failure: LogWriteError | null = null;
  private lastTimeMs = 0;
  private defragmenting: Promise<DefragmentOutcome> | null = null;

  private constructor(
    private readonly path: string,
    private readonly writer: SqliteConnection,
    private last: number,
    private compactedBefore: number,
    /** The stored verified-through watermark; see {@link verifiedThrough} for the effective one. */
    private verified: number,
    private readonly limits: BatchLimits,
    private readonly observer: CommitObserver | undefined,
    private readonly logger: Logger | undefined,
  ) {
    this.reads = new SqliteLogReader(path, {
      last: () => this.last,
      compactedBefore: () => this.compactedBefore,
      closed: () => this.closed,
    });
  }

  /** Opens (creating if absent) the log at `path`. Throws {@link LogFileError} for a foreign or damaged file. */
  static async open(path: string, options: SqliteLogOptions = {}): Promise<SqliteEventLog> {
    const state = await checkLogFile(path);
    let writer: SqliteConnection;
    try {
      writer = await SqliteConnection.open(path, 'readwrite');
    } catch (err) {
      throw new LogFileError(path, `cannot be opened (${(err as Error).message})`);
    }
    try {
      if (state !== 'kvstore') await initialiseSchema(writer, path);
      const schema = await checkSchema(writer, path);
      const synchronous = (options.durability ?? 'fsync') === 'fsync' ? 'FULL' : 'NORMAL';
      await writer.exec(
        options.bulkLoad === true
          ? 'PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA busy_timeout=5000;'
          : `PRAGMA journal_mode=WAL; PRAGMA synchronous=${synchronous}; PRAGMA busy_timeout=5000;`,
      );
      if (schema < SCHEMA_VERSION) await upgradeSchema(writer, path, options.logger);
      const lastRow = await writer.get<{ last: number | null }>('SELECT max(revision) AS last FROM log');
      const compactRevision = await readMeta(writer, 'compact_revision', 1);
      // Compacted records were committed too: a log compacted past its last row (or restored from a
      // backup's state alone) still continues after them, never restarting at revision 1.
      const last = Math.max(lastRow?.last ?? 0, compactRevision - 1);
      let verified = await readMeta(writer, 'verified_through', 0);
      // A log that lost its end (see witness.ts) must not count the revisions written next as verified.
      if (verified > last && options.bulkLoad !== true) {
        verified = last;
        await writeMeta(writer, 'verified_through', verified);
      }
      return new SqliteEventLog(
        path,
        writer,
        last,
        compactRevision,
        Math.min(verified, last),
        {
          maxRecords: options.maxBatchRecords ?? 512,
          maxBytes: options.maxBatchBytes ?? 16 * 1024 * 1024,
        },
        options.observer,
        options.logger,
      );
    } catch (err) {
      await writer.close().catch(() => {});
      if (err instanceof LogFileError) throw err;
      throw new LogFileError(path, `is not a usable kvstore log (${(err as Error).message})`);
    }
  }

  append(events: readonly LogEvent[] | RecordBuilder): Promise<LogRecord> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LogClosedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      if (this.committing === null) this.committing = this.commitLoop();
    });
  }

  onCommit(listener: CommitListener): () => void {
    return this.listeners.add(listener);
  }

  lastRevision(): number {
    return this.last;
  }

  compactRevision(): number {
    return this.compactedBefore;
  }

  verifiedThrough(): number {
    return Math.min(this.last, Math.max(this.verified, this.compactedBefore - 1));
  }

  async markVerified(revision: number): Promise<void> {
    checkMarkVerified(revision, this.last);
    if (revision <= this.verifiedThrough()) return;
    await this.onWriter(() => writeMeta(this.writer, 'verified_through', revision));
    this.verified = Math.max(this.verified, revision);
  }

  describe(): string {
    return `sqlite:${this.path}`;
  }

  read(fromRevision: number, options: ReadOptions = {}): AsyncIterable<LogRecord> {
    return this.reads.read(fromRevision, options);
  }

  readRaw(fromRevision: number, options: ReadOptions = {}): AsyncIterable<RawRecord> {
    return this.reads.readRaw(fromRevision, options);
  }

  async compact(revision: number): Promise<void> {
    checkCompactTarget(revision, this.last);
    if (revision <= this.compactedBefore) return;
    const previous = this.compactedBefore;
    // Readers check compactRevision() before reading: raise it first, so that none starts on rows that go.
    this.compactedBefore = revision;
    try {
      // In slices, each its own transaction between group commits, so appends never wait long.
      let done = previous;
      while (done < revision) {
        const upTo = Math.min(revision, done + COMPACT_SLICE);
        await this.onWriter(() => deleteBelow(this.writer, upTo));
        done = upTo;
      }
    } catch (err) {
      // Rows that were not deleted are still readable; the meta row on disk says how far it got.
      this.compactedBefore = Math.max(previous, await this.storedCompactRevision().catch(() => previous));
      throw err;
    }
  }

  async storageBytes(): Promise<number> {
    return storageBytes(this.path);
  }

  async storageInUseBytes(): Promise<number> {
    return pagesInUse(this.writer);
  }

  /**
   * VACUUM between group commits: appends queue meanwhile (for as long as SQLite takes to rewrite the
   * file, about the time to copy it) and are committed right after. Concurrent calls share one run.
   */
  defragment(): Promise<DefragmentOutcome> {
    this.defragmenting ??= (async () => {
      const started = performance.now();
      const bytesBefore = await storageBytes(this.path);
      await this.onWriter(async () => {
        // VACUUM refuses to run while a statement of its connection is open: drop the cached inserts.
        for (const stmt of this.insertStatements.values()) await stmt.finalize();
        this.insertStatements.clear();
        await vacuum(this.writer);
      });
      return { bytesBefore, bytesAfter: await storageBytes(this.path), ms: performance.now() - started };
    })().finally(() => {
      this.defragmenting = null;
    });
    return this.defragmenting;
  }

  async startAt(revision: number): Promise<void> {
    checkStartAt(this.path, revision, this.last);
    if (revision <= this.compactedBefore) return;
    // Readers check compactRevision() before reading: raise it first, so that none starts on rows that go.
    this.compactedBefore = revision;
    await this.onWriter(() => deleteBelow(this.writer, revision));
    this.last = revision - 1;
  }

  /** See {@link EventLog.appendVerbatim}: one transaction. */
  async appendVerbatim(records: readonly RawRecord[]): Promise<void> {
    if (records.length === 0) return;
    const stored: RawRecord[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const { revision, payload } = records[i]!;
      if (revision !== this.last + 1 + i) {
        throw new Error(
          `${this.path}: verbatim append expected revision ${this.last + 1 + i}, got ${revision}`,
        );
      }
      stored[i] = { revision, payload: upgradeRecord(revision, payload) };
    }
    await this.onWriter(() => insertVerbatim(this.writer, stored));
    this.last = records.at(-1)!.revision;
  }

  readOne(revision: number): Promise<LogRecord | undefined> {
    return this.reads.readOne(revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.committing) await this.committing;
    for (const stmt of this.insertStatements.values()) await stmt.finalize();
    this.insertStatements.clear();
    await this.reads.close();
    await this.writer.close();
  }

  /** Commits the queue batch by batch (a chore in between) until both are empty; one loop runs at a time. */
  private async commitLoop(): Promise<void> {
    // Let appends issued in the same turn of the event loop join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while ((this.queue.length > 0 || this.chores.length > 0) && !this.failure) {
        const chore = this.chores.shift();
        if (chore) await chore.run();
        if (this.queue.length === 0) continue;
        const timeMs = Math.max(Date.now(), this.lastTimeMs);
        this.lastTimeMs = timeMs;
        await this.commitBatch(takeBatch(this.queue, this.last, timeMs, this.limits));
      }
    } finally {
      this.committing = null;
      for (const chore of this.chores.splice(0)) chore.reject(this.failure ?? new LogClosedError());
    }
  }

  /** Runs `task` on the writer connection between group commits, never inside one. */
  private onWriter(task: () => Promise<void>): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LogClosedError());
    return new Promise<void>((resolve, reject) => {
      this.chores.push({ run: () => task().then(resolve, reject), reject });
      if (this.committing === null) this.committing = this.commitLoop();
    });
  }

  private storedCompactRevision(): Promise<number> {
    return readMeta(this.writer, 'compact_revision', 1);
  }

  private async commitBatch(batch: AppendBatch): Promise<void> {
    if (batch.records.length === 0) {
      answerCommitted(batch); // only refusals, resting on what is committed already
      return;
    }
    const started = this.observer ? performance.now() : 0;
    try {
      // A single INSERT in autocommit mode is its own transaction: all rows or none, one fsync.
      const insert = this.insertStatement(batch.records.length);
      const params: (number | Buffer)[] = new Array(2 * batch.records.length);
      for (let i = 0; i < batch.records.length; i++) {
        params[2 * i] = batch.records[i]!.revision;
        params[2 * i + 1] = batch.payloads[i]!;
      }
      await insert.run(params);
      // One cached statement per batch size, each holding a copy of what it wrote last: let big ones go.
      if (batch.bytes >= 64 * 1024) void insert.clearBindings().catch(() => {});
    } catch (err) {
      const first = batch.records[0]!.revision;
      const last = batch.records.at(-1)!.revision;
      const failure = new LogWriteError(
        `${this.path}: commit of revisions ${first}..${last} failed (${(err as Error).message}); ` +
          'the log accepts no more writes until kvstore restarts',
        err,
      );
      this.failStop(failure, batch, 'a group commit of the log failed');
      return;
    }
    this.observer?.committed(batch.records.length, batch.bytes, (performance.now() - started) / 1000);
    this.last = batch.records.at(-1)!.revision;
    const unapplied = this.listeners.notify(batch.records, this.path);
    if (unapplied) {
      this.failStop(unapplied, batch, 'a committed batch could not be applied: restart kvstore');
      return;
    }
    answerCommitted(batch);
  }

  /** The log refuses every append from now on: the batch and the queue hear why, once, loudly. */
  private failStop(failure: LogWriteError, batch: AppendBatch, what: string): void {
    this.failure = failure;
    this.logger?.error({ err: failure, revision: batch.records.at(-1)!.revision }, what);
    for (const pending of pendingOf(batch)) pending.reject(failure);
    for (const pending of this.queue.splice(0)) pending.reject(failure);
    this.observer?.failed(failure);
  }

  private insertStatement(rows: number): PreparedStatement {
    let stmt = this.insertStatements.get(rows);
    if (!stmt) {
      const values = new Array<string>(rows).fill('(?, ?)').join(', ');
      stmt = this.writer.prepare(`INSERT INTO log (revision, record) VALUES ${values}`);
      this.insertStatements.set(rows, stmt);
    }
    return stmt;
  }
}
