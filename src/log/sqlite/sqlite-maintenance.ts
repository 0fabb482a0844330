import { stat } from 'node:fs/promises';
import type { RawRecord } from '../events.js';
import type { SqliteConnection, SqlValue } from './sqlite-connection.js';

/**
 * Writes to the SQLite log that are not group commits: compaction, verbatim restore, meta values. Each runs as one
 * explicit transaction on the writer connection; the log schedules them between group commits.
 */

/**
 * Rows per INSERT statement of a verbatim append: two parameters each, well under SQLite's limit of 32766.
 * A backup frame (about 3,500 records) fits in one statement, which autocommit makes atomic on its own;
 * fewer, larger statements also mean fewer round trips between the event loop and SQLite's thread.
 */
const ROWS_PER_INSERT = 8000;

/**
 * Deletes every record below `revision` and records `revision` as the compact revision, atomically. Freed
 * pages go to SQLite's free list and are reused by later appends, so a compacted log stops growing
 * (the file does not shrink; VACUUM would rewrite it whole).
 */
export async function deleteBelow(db: SqliteConnection, revision: number): Promise<void> {
  await transaction(db, async () => {
    await db.run('DELETE FROM log WHERE revision < ?', [revision]);
    await db.run("INSERT OR REPLACE INTO meta (name, value) VALUES ('compact_revision', ?)", [revision]);
  });
}

/** A number kept in the `meta` table (`compact_revision`, `verified_through`), or `fallback` when absent. */
export async function readMeta(db: SqliteConnection, name: string, fallback: number): Promise<number> {
  const row = await db.get<{ value: number }>('SELECT value FROM meta WHERE name = ?', [name]);
  return row?.value ?? fallback;
}

/** Sets a number in the `meta` table (autocommit: one statement, atomic on its own). */
export async function writeMeta(db: SqliteConnection, name: string, value: number): Promise<void> {
  await db.run('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)', [name, value]);
}

/** Inserts records with their own revisions and payloads, all or none. */
export async function insertVerbatim(db: SqliteConnection, records: readonly RawRecord[]): Promise<void> {
  const insert = async (slice: readonly RawRecord[]) => {
    const params: SqlValue[] = [];
    for (const r of slice) params.push(r.revision, toBuffer(r.payload));
    await db.run(
      `INSERT INTO log (revision, record) VALUES ${new Array<string>(slice.length).fill('(?, ?)').join(', ')}`,
      params,
    );
  };
  if (records.length <= ROWS_PER_INSERT) return insert(records);
  await transaction(db, async () => {
    for (let at = 0; at < records.length; at += ROWS_PER_INSERT)
      await insert(records.slice(at, at + ROWS_PER_INSERT));
  });
}

/**
 * Rewrites the database without its free pages (VACUUM: compaction leaves them on SQLite's free list),
 * then checkpoints the WAL into the file and truncates it, so the space goes back to the file system.
 * VACUUM needs up to the database's size again in free disk while it runs; it is one transaction, so a
 * failure (a full disk) leaves the log as it was.
 */
export async function vacuum(db: SqliteConnection): Promise<void> {
  await db.exec('VACUUM');
  // TRUNCATE waits (busy_timeout) for readers still on the old pages; if they outlast it, the WAL shrinks
  // at a later checkpoint instead, and the size reported says so.
  await db.get('PRAGMA wal_checkpoint(TRUNCATE)');
}

/** Bytes of the database's pages that are not on its free list (what VACUUM would keep). */
export async function pagesInUse(db: SqliteConnection): Promise<number> {
  const pages = await db.get<{ page_count: number }>('PRAGMA page_count');
  const free = await db.get<{ freelist_count: number }>('PRAGMA freelist_count');
  const size = await db.get<{ page_size: number }>('PRAGMA page_size');
  return ((pages?.page_count ?? 0) - (free?.freelist_count ?? 0)) * (size?.page_size ?? 0);
}

/** Size of the database file and its write-ahead log. */
export async function storageBytes(path: string): Promise<number> {
  let bytes = 0;
  for (const file of [path, `${path}-wal`]) {
    bytes += await stat(file).then(
      (s) => s.size,
      () => 0,
    );
  }
  return bytes;
}

async function transaction(db: SqliteConnection, body: () => Promise<void>): Promise<void> {
  await db.run('BEGIN IMMEDIATE');
  try {
    await body();
    await db.run('COMMIT');
  } catch (err) {
    await db.run('ROLLBACK').catch(() => {});
    throw err;
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
