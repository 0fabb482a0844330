import type { Logger } from 'pino';
import { LEGACY_FORMAT_VERSION, upgradeRecord } from './codec.js';
import { LogFileError } from './event-log.js';
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
 */
export async function upgradeSchema(db: SqliteConnection, path: string, logger?: Logger): Promise<void> {
  const total =
    (
      await db.get<{ n: number }>('SELECT count(*) AS n FROM log WHERE substr(record, 1, 1) = ?', [
        Buffer.from([LEGACY_FORMAT_VERSION]),
      ])
    )?.n ?? 0;
  const started = performance.now();
  let lastReport = started;
  let done = 0;
  logger?.info({ path, records: total }, 'upgrading the log: adding a checksum to every record');
  await db.run('BEGIN IMMEDIATE');
  try {
    let after = 0;
    for (;;) {
      const rows = await db.all<{ revision: number; record: Buffer }>(
        'SELECT revision, record FROM log WHERE revision > ? ORDER BY revision LIMIT ?',
        [after, UPGRADE_PAGE],
      );
      if (rows.length === 0) break;
      const params: SqlValue[] = [];
      for (const row of rows) {
        if (row.record[0] !== LEGACY_FORMAT_VERSION) continue;
        let upgraded: Uint8Array;
        try {
          upgraded = upgradeRecord(row.revision, row.record);
        } catch (err) {
          throw new LogFileError(
            path,
            `${(err as Error).message}; it cannot be upgraded to checksummed records (nothing was changed); ` +
              'restore the data directory from a backup (kvstore restore)',
          );
        }
        params.push(row.revision, Buffer.from(upgraded.buffer, upgraded.byteOffset, upgraded.byteLength));
      }
      if (params.length > 0) {
        const values = new Array<string>(params.length / 2).fill('(?, ?)').join(', ');
        await db.run(`INSERT OR REPLACE INTO log (revision, record) VALUES ${values}`, params);
      }
      done += params.length / 2;
      after = rows.at(-1)!.revision;
      const now = performance.now();
      if (now - lastReport > 2000) {
        lastReport = now;
        logger?.info({ path, records: done, of: total }, 'upgrading the log');
      }
    }
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
