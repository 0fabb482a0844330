import { decodeRecord, RecordFormatError, verifyRawRecord } from '../codec.js';
import type { ReadOptions } from '../event-log.js';
import { DamagedRecordError, LogClosedError, LogCompactedError } from '../event-log.js';
import type { LogRecord, RawRecord } from '../events.js';
import { SqliteConnection } from './sqlite-connection.js';

/** What the read side needs to know of the log it reads: its live bounds and whether it is closed. */
export interface ReadBounds {
  /** The last committed revision. */
  readonly last: () => number;
  /** The oldest revision still stored (records below it were compacted). */
  readonly compactedBefore: () => number;
  readonly closed: () => boolean;
}

/**
 * The read side of the SQLite log: its own read-only connection, opened on first use, so that reads in WAL
 * mode never wait for a group commit; every record it hands out has passed its checksum.
 */
export class SqliteLogReader {
  private connection: SqliteConnection | null = null;

  constructor(
    private readonly path: string,
    private readonly bounds: ReadBounds,
  ) {}

  /** Decoded records from `fromRevision`, checked. */
  async *read(fromRevision: number, options: ReadOptions = {}): AsyncIterable<LogRecord> {
    for await (const raw of this.rows(fromRevision, options)) yield this.decode(raw.revision, raw.payload);
  }

  /** Stored payloads from `fromRevision`, each verified against its checksum but not decoded. */
  async *readRaw(fromRevision: number, options: ReadOptions = {}): AsyncIterable<RawRecord> {
    for await (const raw of this.rows(fromRevision, options)) {
      try {
        verifyRawRecord(raw.revision, raw.payload);
      } catch (err) {
        throw this.damaged(err);
      }
      yield raw;
    }
  }

  /** One record, or undefined outside the stored range. */
  async readOne(revision: number): Promise<LogRecord | undefined> {
    if (revision < 1 || revision > this.bounds.last()) return undefined;
    const reader = await this.readerConnection();
    const row = await reader.get<{ record: Buffer }>('SELECT record FROM log WHERE revision = ?', [revision]);
    return row ? this.decode(revision, row.record) : undefined;
  }

  /** Closes the connection if one was opened. */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection) await connection.close();
  }

  /** Stored rows as they are, unchecked. */
  private async *rows(fromRevision: number, options: ReadOptions): AsyncIterable<RawRecord> {
    const reader = await this.readerConnection();
    const pageSize = options.pageSize ?? 1000;
    let next = Math.max(fromRevision, 1);
    for (;;) {
      const last = this.bounds.last();
      const upTo = Math.min(options.toRevision ?? last, last);
      if (next > upTo) return;
      if (next < this.bounds.compactedBefore())
        throw new LogCompactedError(next, this.bounds.compactedBefore());
      const rows = await reader.all<{ revision: number; record: Buffer }>(
        'SELECT revision, record FROM log WHERE revision >= ? AND revision <= ? ORDER BY revision LIMIT ?',
        [next, upTo, pageSize],
      );
      // Revisions are gap-free above the compaction point: a missing first row was compacted meanwhile.
      if (rows.length === 0 || rows[0]!.revision !== next) {
        throw new LogCompactedError(next, this.bounds.compactedBefore());
      }
      for (const row of rows) yield { revision: row.revision, payload: row.record };
      next = rows[rows.length - 1]!.revision + 1;
    }
  }

  private decode(revision: number, payload: Uint8Array): LogRecord {
    try {
      return decodeRecord(revision, payload);
    } catch (err) {
      throw this.damaged(err);
    }
  }

  /** A record that fails its checks, as an error naming this file. */
  private damaged(err: unknown): Error {
    return err instanceof RecordFormatError
      ? new DamagedRecordError(this.path, err.revision, err)
      : (err as Error);
  }

  private async readerConnection(): Promise<SqliteConnection> {
    if (this.bounds.closed()) throw new LogClosedError();
    if (!this.connection) this.connection = await SqliteConnection.open(this.path, 'readonly');
    return this.connection;
  }
}
