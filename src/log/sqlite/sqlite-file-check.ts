import { open } from 'node:fs/promises';
import { LogFileError } from '../event-log.js';

/** `PRAGMA application_id` of a kvstore log: "kvs1" in ASCII, so `file(1)` and we can tell it apart. */
export const KVSTORE_APPLICATION_ID = 0x6b767331;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const APPLICATION_ID_OFFSET = 68;

/**
 * Checks, without opening it through SQLite (which could create a journal or change its mode), that the file
 * at `path` is absent, empty, or a kvstore log. Throws {@link LogFileError} naming the file otherwise.
 */
export async function checkLogFile(path: string): Promise<'absent' | 'empty' | 'kvstore'> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    if (code === 'EISDIR') throw new LogFileError(path, 'is a directory, expected the kvstore log file');
    throw new LogFileError(path, `cannot be read (${code ?? (err as Error).message})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new LogFileError(path, 'is not a regular file');
    if (stat.size === 0) return 'empty';
    const header = Buffer.alloc(100);
    const { bytesRead } = await handle.read(header, 0, 100, 0);
    if (bytesRead < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC)) {
      throw new LogFileError(path, 'is not a kvstore log (not an SQLite database); refusing to touch it');
    }
    const appId = header.readUInt32BE(APPLICATION_ID_OFFSET);
    // A database whose first transaction never committed has application_id 0 and no pages beyond the header.
    if (appId === 0 && stat.size <= 4096) return 'empty';
    if (appId !== KVSTORE_APPLICATION_ID) {
      throw new LogFileError(
        path,
        `is an SQLite database of another application (application_id 0x${appId.toString(16)}); refusing to touch it`,
      );
    }
    return 'kvstore';
  } finally {
    await handle.close();
  }
}
