import type { Logger } from 'pino';
import { upgradeRecord } from '../codec.js';
import { LogFileError } from '../event-log.js';
import type { SqliteConnection, SqlValue } from './sqlite-connection.js';
import { KVSTORE_APPLICATION_ID } from './sqlite-file-check.js';

/**
 * Schema version of the SQLite file (`PRAGMA user_version`). 1: records of format 1 (no checksum).
 * 2: every record carries a CRC-32C (codec.ts); a file of schema 1 is upgraded when it is opened.
 */
export const SCHEMA_VERSION = 2;

/** Rows read and rewritten per statement of the upgrade (two parameters each, under SQLite's 32766). */
const UPGRADE_PAGE = 5000;

/** Creates the tables of an empty file, refusing one that holds another application's tables. */
export async function initialiseSchema(db: SqliteConnection, path: string): Promise<void> {
  const tables = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
  const foreign = tables.map((t) => t.name).filter((name) => name !== 'log' && name !== 'meta');
  if (foreign.length > 0) {
    throw new LogFileError(
      path,
      `holds tables of another application (${foreign.join(', ')}); refusing to touch it`,
    );
  }
  await db.exec(`
    BEGIN;
    PRAGMA application_id = ${KVSTORE_APPLICATION_ID};
    PRAGMA user_version = ${SCHEMA_VERSION};
    CREATE TABLE IF NOT EXISTS log (revision INTEGER PRIMARY KEY, record BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
    COMMIT;`);
}

/** The file's schema version; throws {@link LogFileError} for one this build cannot read. */
export async function checkSchema(db: SqliteConnection, path: string): Promise<number> {
  const row = await db.get<{ user_version: number }>('PRAGMA user_version');
  const version = row?.user_version ?? 0;
  if (version > SCHEMA_VERSION) {
    throw new LogFileError(
      path,
      `was written by a newer kvstore (schema ${version}, this build reads ${SCHEMA_VERSION})`,
    );
  }
  if (version < 1) throw new LogFileError(path, 'has no kvstore schema');
  return version;
}

/**
 * Schema 1 to 2: gives every record its checksum (the body is kept byte for byte), in one transaction, so
 * a crash leaves the file as it was and the next open starts over. Each record is decoded first: a record
 * that does not decode stops the upgrade naming its revision, rather than being sealed with a checksum.
 * The records are appended in revision order to a new table that then replaces the old one: rewriting the
 * rows in place (each 4 bytes longer) would split nearly every page and leave the table scattered.
 */
export async function upgradeSchema(db: SqliteConnection, path: string, logger?: Logger): Promise<void> {
  const total = (await db.get<{ n: number }>('SELECT count(*) AS n FROM log'))?.n ?? 0;
  const started = performance.now();
  let lastReport = started;
  let done = 0;
  logger?.info({ path, records: total }, 'upgrading the log: adding a checksum to every record');
  await db.run('BEGIN IMMEDIATE');
  try {
    await db.run('CREATE TABLE log_upgrade (revision INTEGER PRIMARY KEY, record BLOB NOT NULL)');
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const rows = await db.all<{ revision: number; record: Buffer }>(
        'SELECT revision, record FROM log WHERE revision > ? ORDER BY revision LIMIT ?',
        [after, UPGRADE_PAGE],
      );
      if (rows.length === 0) break;
      const params: SqlValue[] = [];
      for (const row of rows) params.push(row.revision, toBuffer(upgradeOne(path, row.revision, row.record)));
      const values = new Array<string>(rows.length).fill('(?, ?)').join(', ');
      await db.run(`INSERT INTO log_upgrade (revision, record) VALUES ${values}`, params);
      done += rows.length;
      after = rows.at(-1)!.revision;
      const now = performance.now();
      if (now - lastReport > 2000) {
        lastReport = now;
        logger?.info({ path, records: done, of: total }, 'upgrading the log');
      }
    }
    await db.run('DROP TABLE log');
    await db.run('ALTER TABLE log_upgrade RENAME TO log');
    await db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    await db.run('COMMIT');
  } catch (err) {
    await db.run('ROLLBACK').catch(() => {});
    throw err;
  }
  logger?.info(
    { path, records: done, ms: Math.round(performance.now() - started) },
    'upgraded the log: every record carries a checksum',
  );
}

function upgradeOne(path: string, revision: number, payload: Buffer): Uint8Array {
  try {
    return upgradeRecord(revision, payload);
  } catch (err) {
    throw new LogFileError(
      path,
      `${(err as Error).message}; it cannot be upgraded to checksummed records (nothing was changed); ` +
        'restore the data directory from a backup (kvstore restore)',
    );
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
