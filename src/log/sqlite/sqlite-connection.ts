import { pathToFileURL } from 'node:url';
import sqlite3 from 'sqlite3';

/** Values SQLite binds to `?` placeholders. */
export type SqlValue = number | string | Buffer | null;

/** A promise-based face over one `sqlite3` connection; statements run in the order they are issued. */
export class SqliteConnection {
  private constructor(private readonly db: sqlite3.Database) {}

  /**
   * Opens a connection; `readonly` connections never create or modify the file. `immutable`: read-only
   * for a file that no one writes and that has no WAL, creating no companion file at all (offline checks).
   */
  static open(path: string, mode: 'readwrite' | 'readonly' | 'immutable'): Promise<SqliteConnection> {
    const flags =
      mode === 'readwrite'
        ? sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE
        : mode === 'readonly'
          ? sqlite3.OPEN_READONLY
          : sqlite3.OPEN_READONLY | sqlite3.OPEN_URI;
    const name = mode === 'immutable' ? `${pathToFileURL(path).href}?immutable=1` : path;
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(name, flags, (err) => {
        if (err) reject(err);
        else {
          // Serialized mode: statements execute in issue order, so a batch can be pipelined.
          db.serialize();
          resolve(new SqliteConnection(db));
        }
      });
    });
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, (err) => (err ? reject(err) : resolve()));
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.exec(sql, (err) => (err ? reject(err) : resolve()));
    });
  }

  get<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get(sql, params, (err, row: Row | undefined) => (err ? reject(err) : resolve(row)));
    });
  }

  all<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params, (err, rows: Row[]) => (err ? reject(err) : resolve(rows)));
    });
  }

  /** Prepares a statement that can be run many times. */
  prepare(sql: string): PreparedStatement {
    return new PreparedStatement(this.db.prepare(sql));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.close((err) => (err ? reject(err) : resolve()));
    });
  }
}

/** A prepared statement of a {@link SqliteConnection}. */
export class PreparedStatement {
  constructor(private readonly stmt: sqlite3.Statement) {}

  run(params: readonly SqlValue[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stmt.run(params, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Drops the values bound by the last run. SQLite keeps its own copy of every bound blob until the next
   * bind, so a cached statement would otherwise hold on to the last batch it wrote. (Binding one NULL: the
   * driver clears all bindings before binding anything, and does nothing for an empty list.)
   */
  clearBindings(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stmt.bind([null], (err: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  finalize(): Promise<void> {
    return new Promise((resolve) => {
      this.stmt.finalize(() => resolve());
    });
  }
}
