import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DamagedRecordError } from '../../src/log/event-log.js';
import { checkDataDir } from '../../src/store/data-dir-check.js';
import { KvStore } from '../../src/store/kv-store.js';
import { writeBackup } from '../helpers/backup.js';
import { flipValueInRecord, flipValueOnDisk } from '../helpers/log-damage.js';
import { tempDir } from '../helpers/temp-dir.js';

const open = (dataDir: string) => KvStore.open({ dataDir, durability: 'relaxed' });

/** Value of key i: distinctive bytes, so a test can find them in the file. */
const rottingValue = (i: number) => `value-${String(i).padStart(4, '0')}-of-a-key-that-rots`;

/** Writes keys 0..n-1 one revision each (key i at revision i + 1) and closes the store. */
async function storeWithKeys(n: number): Promise<string> {
  const dir = await tempDir();
  const store = await open(dir);
  for (let i = 0; i < n; i++) await store.set(`k/${i}`, Buffer.from(rottingValue(i)));
  await store.close();
  return dir;
}

/** Every file of a directory with its bytes (but the lock's), to show that a check changed nothing. */
async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir, { recursive: true })) {
    if (name.startsWith('kvstore.lock')) continue; // the lock is taken while the check runs
    const path = join(dir, name);
    if ((await stat(path)).isFile())
      out[name] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
  }
  return out;
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e as Error,
  );
  if (err === null) throw new Error('expected a refusal, it succeeded');
  return err;
}

describe('a damaged log record', () => {
  it('stops start-up naming the revision and the file when a byte of a value rots on disk', async () => {
    const dir = await storeWithKeys(60);
    await flipValueOnDisk(dir, rottingValue(17));

    const err = await refusal(open(dir));
    expect(err).toBeInstanceOf(DamagedRecordError);
    expect(err.message).toContain(`${join(dir, 'log.sqlite')}: record at revision 18: fails its checksum`);
    expect(err.message).toContain('restore the data directory from a backup (kvstore restore)');
    // Refused, not half-open: the directory's lock is free again and the damage is still reported.
    await expect(open(dir)).rejects.toThrow(/revision 18: fails its checksum/);
  });

  it('stops start-up when a record is rewritten with a flipped bit (in the replayed tail too)', async () => {
    const dir = await storeWithKeys(30);
    await flipValueInRecord(dir, 5, rottingValue(4));
    await expect(open(dir)).rejects.toThrow(/log\.sqlite: record at revision 5: fails its checksum/);

    // A crash leaves no checkpoint at the end: the damaged record is then replayed, not only checked.
    const dir2 = await tempDir();
    const store = await KvStore.open({ dataDir: dir2, checkpoint: { everyRevisions: 0, intervalMs: 0 } });
    for (let i = 0; i < 10; i++) await store.set(`k/${i}`, Buffer.from(rottingValue(i)));
    await store.close();
    await flipValueInRecord(dir2, 9, rottingValue(8));
    // The close wrote a checkpoint at 10; without it, start-up replays revisions 1..10.
    await rm(join(dir2, 'checkpoints'), { recursive: true });
    await expect(open(dir2)).rejects.toThrow(/record at revision 9: fails its checksum/);
  });

  it('is never served by reads of history, nor copied into a backup', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    try {
      for (let i = 0; i < 40; i++) await store.set(`k/${i}`, Buffer.from(rottingValue(i)));
      // Bit rot after start-up, while the store serves.
      await flipValueInRecord(dir, 12, rottingValue(11));

      const log = store.eventLog;
      await expect(log.readOne(12)).rejects.toThrow(/record at revision 12: fails its checksum/);
      expect((await log.readOne(13))?.revision).toBe(13);
      const read = async () => {
        for await (const _ of log.read(1)) {
        }
      };
      await expect(read()).rejects.toBeInstanceOf(DamagedRecordError);
      const readRaw = async () => {
        for await (const _ of log.readRaw(10)) {
        }
      };
      await expect(readRaw()).rejects.toThrow(/log\.sqlite: record at revision 12: fails its checksum/);

      // An incremental backup copies the history raw: it fails instead of copying the record. (A full
      // backup holds the state from memory and the records after it, so it does not read revision 12.)
      const err = await refusal(writeBackup(store, 5, join(dir, 'incremental.kvb')));
      expect(err).toBeInstanceOf(DamagedRecordError);
      expect(err.message).toContain(`${join(dir, 'log.sqlite')}: record at revision 12: fails its checksum`);
    } finally {
      await store.close();
    }
  });

  it('is reported by the offline check, with every damaged record and nothing changed', async () => {
    const dir = await storeWithKeys(50);
    expect((await checkDataDir(dir)).problems).toEqual([]);
    await flipValueOnDisk(dir, rottingValue(20));
    await flipValueInRecord(dir, 31, rottingValue(30));

    const before = await snapshotDir(dir);
    const report = await checkDataDir(dir);
    expect(await snapshotDir(dir)).toEqual(before);
    expect(report.records).toBe(50);
    expect(report.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^record at revision 21: fails its checksum/),
      expect.stringMatching(/^record at revision 31: fails its checksum/),
    ]);
    expect(report.problems[0]!.file).toBe(join(dir, 'log.sqlite'));
  });
});
