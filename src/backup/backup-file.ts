import { open } from 'node:fs/promises';
import { fileSource } from '../projections/byte-reader.js';
import type { BackupHeader, BackupTrailer } from './backup-format.js';
import { BACKUP_MAGIC, BackupFormatError, readU64, TRAILER_BYTES } from './backup-format.js';
import type { BackupSummary, BackupVisitor } from './backup-reader.js';
import { decodeBackup } from './backup-reader.js';

/** A backup file's header and its trailer as stated (checked only by {@link readBackupFile}). */
export interface BackupFileInfo {
  readonly path: string;
  readonly bytes: number;
  readonly header: BackupHeader;
  readonly trailer: BackupTrailer;
}

/** Reads and checks a whole backup file; see {@link decodeBackup}. */
export async function readBackupFile(path: string, visitor: BackupVisitor = {}): Promise<BackupSummary> {
  const file = await openBackup(path);
  try {
    return await decodeBackup(fileSource(file), path, visitor);
  } finally {
    await file.close();
  }
}

/**
 * The header (its frame checked) and the trailer as stated, without reading the rest: enough to plan a
 * restore and show progress. The full check comes with {@link readBackupFile}.
 */
export async function inspectBackupFile(path: string): Promise<BackupFileInfo> {
  const file = await openBackup(path);
  try {
    const { size } = await file.stat();
    if (size < BACKUP_MAGIC.length + TRAILER_BYTES) {
      throw new BackupFormatError(path, size, `the file is only ${size} bytes long (truncated)`);
    }
    let header: BackupHeader | undefined;
    // Decoding stops right after the header frame: the visitor throws this marker.
    const stop = new Error('header read');
    try {
      await decodeBackup(fileSource(file), path, {
        header: (h) => {
          header = h;
          throw stop;
        },
      });
    } catch (err) {
      if (err !== stop) throw err;
    }
    if (header === undefined) throw new BackupFormatError(path, 0, 'no header frame');
    const tail = Buffer.alloc(TRAILER_BYTES);
    await file.read(tail, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    const trailer = {
      lastRevision: readU64(tail, 4),
      items: readU64(tail, 12),
      capturedAtMs: readU64(tail, 20),
    };
    return { path, bytes: size, header, trailer };
  } finally {
    await file.close();
  }
}

async function openBackup(path: string) {
  try {
    return await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `${path}: cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)})`,
    );
  }
}
