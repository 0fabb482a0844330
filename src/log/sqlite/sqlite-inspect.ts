import { stat } from 'node:fs/promises';
import { LogFileError } from '../event-log.js';
import type { RawRecord } from '../events.js';
import { SqliteConnection } from './sqlite-connection.js';
import { checkLogFile } from './sqlite-file-check.js';
import { checkSchema } from './sqlite-schema.js';

/** What an offline check needs to know of a log file before reading its records. */
export interface LogFileSummary {
  /** 1: records without checksums (upgraded by the next start), 2: checksummed. */
  readonly schemaVersion: number;
  /** Records below this revision were compacted away (1 when nothing was). */
  readonly compactRevision: number;
  /** Rows held, and the lowest and highest revision among them (0 when there are none). */
  readonly rows: number;
  readonly firstRow: number;
  readonly lastRow: number;
}

/**
 * A kvstore log file opened for reading only, for offline checks: unlike {@link SqliteEventLog.open} it
 * never initialises, upgrades or changes the journal mode of the file. Without a WAL next to it the file is
 * opened immutable (no companion file is created); with one (a crash left it) SQLite reads the WAL too.
 */
export class SqliteLogFile {
  private constructor(
    readonly path: string,
    private readonly db: SqliteConnection,
  ) {}

  /** Opens `path`; throws {@link LogFileError} when it is absent, foreign, or of a newer schema. */
  static async open(path: string): Promise<SqliteLogFile> {
    if ((await checkLogFile(path)) !== 'kvstore')
      throw new LogFileError(path, 'is not a kvstore log (absent or empty)');
    const hasWal = await stat(`${path}-wal`).then(
      (s) => s.size > 0,
      () => false,
    );
    let db: SqliteConnection;
    try {
      db = await SqliteConnection.open(path, hasWal ? 'readonly' : 'immutable');
    } catch (err) {
      throw new LogFileError(path, `cannot be opened (${(err as Error).message})`);
    }
    return new SqliteLogFile(path, db);
  }

  async summary(): Promise<LogFileSummary> {
    const schemaVersion = await checkSchema(this.db, this.path);
    const compact = await this.db.get<{ value: number }>(
      "SELECT value FROM meta WHERE name = 'compact_revision'",
    );
    const rows = await this.db.get<{ n: number; first: number | null; last: number | null }>(
      'SELECT count(*) AS n, min(revision) AS first, max(revision) AS last FROM log',
    );
    return {
      schemaVersion,
      compactRevision: compact?.value ?? 1,
      rows: rows?.n ?? 0,
      firstRow: rows?.first ?? 0,
      lastRow: rows?.last ?? 0,
    };
  }

  /** Every row in revision order, as stored (unchecked). */
  async *rows(pageSize = 5000): AsyncIterable<RawRecord> {
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const rows = await this.db.all<{ revision: number; record: Buffer }>(
        'SELECT revision, record FROM log WHERE revision > ? ORDER BY revision LIMIT ?',
        [after, pageSize],
      );
      if (rows.length === 0) return;
      for (const row of rows) yield { revision: row.revision, payload: row.record };
      after = rows.at(-1)!.revision;
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
