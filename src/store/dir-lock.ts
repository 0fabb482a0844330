import { open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SqliteConnection } from '../log/sqlite/sqlite-connection.js';
import { DataDirLockedError } from './errors.js';

/** The lock file of a data directory: an SQLite database its owner holds exclusively. */
export const LOCK_FILE = 'kvstore.lock.sqlite';

/** The pid file that builds before the OS lock used; a leftover never blocks start-up (its pid may be reused). */
export const LEGACY_LOCK_FILE = 'kvstore.lock';

/** Directories (by device and inode) whose lock this process holds. */
const heldHere = new Set<string>();

/**
 * Ownership of a data directory by one process, as an OS lock that dies with the process: the lock file
 * is an SQLite database opened with `locking_mode=EXCLUSIVE` and written once (our pid goes into its
 * `user_version`), so SQLite holds an fcntl write lock on it until the connection closes. The kernel drops
 * the lock when the process ends however it ends (kill -9 included), so a crash never leaves a lock behind
 * and a reused pid can never make a stale one look alive.
 */
export class DirLock {
  private constructor(
    private readonly id: string,
    private db: SqliteConnection | null,
  ) {}

  /** Takes the lock of directory `dir` (which exists), or throws {@link DataDirLockedError}. */
  static async acquire(dir: string): Promise<DirLock> {
    const info = await stat(dir);
    const id = `${info.dev}:${info.ino}`;
    // Checked before SQLite is asked: fcntl locks belong to the process, and reading the lock file to name
    // its holder (open + close of another descriptor) would drop a lock this process holds on it.
    if (heldHere.has(id)) throw new DataDirLockedError(dir, process.pid);
    heldHere.add(id);
    try {
      return new DirLock(id, await lockFile(dir));
    } catch (err) {
      heldHere.delete(id);
      throw err;
    }
  }

  /** Releases the lock (idempotent). The file stays: deleting it could let two processes lock two files. */
  async release(): Promise<void> {
    const db = this.db;
    if (db === null) return;
    this.db = null;
    heldHere.delete(this.id);
    await db.close();
  }
}

async function lockFile(dir: string): Promise<SqliteConnection> {
  const path = join(dir, LOCK_FILE);
  const db = await SqliteConnection.open(path, 'readwrite').catch((err: Error) => {
    throw new Error(`data directory ${dir}: cannot open the lock file ${path} (${err.message})`);
  });
  try {
    // busy_timeout 0: a held lock fails at once. The write takes the exclusive lock, which
    // locking_mode=EXCLUSIVE keeps after the commit; no journal, the contents are only informational.
    await db.exec(
      'PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = OFF; ' +
        `PRAGMA synchronous = OFF; PRAGMA user_version = ${process.pid};`,
    );
  } catch (err) {
    await db.close().catch(() => {});
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new DataDirLockedError(dir, await holderPid(path));
    }
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new Error(
        `data directory ${dir}: the lock file ${path} is not an SQLite database; ` +
          'if no kvstore runs on this directory, delete the file and start again',
      );
    }
    throw err;
  }
  await unlink(join(dir, LEGACY_LOCK_FILE)).catch(() => {});
  return db;
}

/** The pid the holder wrote into the header's user_version (bytes 60-63), or null when unreadable. */
async function holderPid(path: string): Promise<number | null> {
  const header = Buffer.alloc(100);
  try {
    const handle = await open(path, 'r');
    try {
      const { bytesRead } = await handle.read(header, 0, 100, 0);
      if (bytesRead < 64 || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') return null;
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
  const pid = header.readUInt32BE(60);
  return pid > 0 ? pid : null;
}
