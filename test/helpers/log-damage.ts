import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { SqliteConnection } from '../../src/log/sqlite/sqlite-connection.js';

/** Runs SQL on a data directory's log through a connection of its own, as another process would. */
export async function withLogDb<T>(dataDir: string, fn: (db: SqliteConnection) => Promise<T>): Promise<T> {
  const db = await SqliteConnection.open(join(dataDir, 'log.sqlite'), 'readwrite');
  try {
    await db.exec('PRAGMA busy_timeout = 5000');
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * Bit rot on disk: moves the WAL into the database file, then flips one bit of the first occurrence of
 * `value` in the file's pages. Returns the offset flipped. The store must be closed.
 */
export async function flipValueOnDisk(dataDir: string, value: string): Promise<number> {
  await withLogDb(dataDir, (db) => db.exec('PRAGMA wal_checkpoint(TRUNCATE)'));
  const path = join(dataDir, 'log.sqlite');
  const file = await open(path, 'r+');
  try {
    const bytes = await file.readFile();
    const at = bytes.indexOf(Buffer.from(value));
    if (at < 0 || bytes.indexOf(Buffer.from(value), at + 1) >= 0)
      throw new Error(`"${value}" is not in ${path} exactly once`);
    const offset = at + Math.floor(value.length / 2);
    await file.write(Buffer.from([bytes[offset]! ^ 0x04]), 0, 1, offset);
    await file.sync();
    return offset;
  } finally {
    await file.close();
  }
}

/** Bit rot at the SQL level: the record at `revision` rewritten with one bit of `value` flipped. */
export async function flipValueInRecord(dataDir: string, revision: number, value: string): Promise<void> {
  await withLogDb(dataDir, async (db) => {
    const row = await db.get<{ record: Buffer }>('SELECT record FROM log WHERE revision = ?', [revision]);
    const at = row?.record.indexOf(Buffer.from(value)) ?? -1;
    if (!row || at < 0) throw new Error(`"${value}" is not in the record at revision ${revision}`);
    const damaged = Buffer.from(row.record);
    damaged[at + 1]! ^= 0x01;
    await db.run('UPDATE log SET record = ? WHERE revision = ?', [damaged, revision]);
  });
}
