import { writeFile } from 'node:fs/promises';
import { backupOf } from '../../src/backup/backup-source.js';
import { encodeBackup } from '../../src/backup/backup-writer.js';
import type { KvStore } from '../../src/store/kv-store.js';

/** Writes a backup of a store in this process (what Admin.Backup streams): full when `from` is 0. */
export async function writeBackup(store: KvStore, from: number, path: string): Promise<Buffer> {
  const backup = await backupOf(store, from);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of encodeBackup(backup.content)) chunks.push(chunk);
  } finally {
    backup.release();
  }
  const bytes = Buffer.concat(chunks);
  await writeFile(path, bytes);
  return bytes;
}
