import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBackupFile } from '../../src/backup/backup-file.js';
import { BackupFormatError, FRAME_HEAD_BYTES, TRAILER_BYTES } from '../../src/backup/backup-format.js';
import { restore } from '../../src/backup/restore.js';
import { RECORD_FORMAT_VERSION } from '../../src/log/codec.js';
import { KvStore } from '../../src/store/kv-store.js';
import { writeBackup } from '../helpers/backup.js';
import { writeHistory } from '../helpers/history.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Start offsets and lengths of the frames of a backup file (walking the length fields). */
function frames(bytes: Buffer): { offset: number; length: number }[] {
  const out: { offset: number; length: number }[] = [];
  let at = 8;
  for (;;) {
    const length = bytes.readUInt32BE(at);
    if (length === 0) return out;
    out.push({ offset: at, length: FRAME_HEAD_BYTES + length });
    at += FRAME_HEAD_BYTES + length;
  }
}

async function backupWithHistory(dir: string): Promise<{ path: string; bytes: Buffer }> {
  const store = await KvStore.open({ dataDir: join(dir, 'source'), durability: 'relaxed' });
  await writeHistory(store, 300);
  const full = await writeBackup(store, 0, join(dir, 'scratch.kvb'));
  expect(full.length).toBeGreaterThan(0);
  await writeHistory(store, 1000, 2);
  // Values of 4 KiB, so that the records fill several frames of 512 KiB.
  const big = Buffer.alloc(4096, 0x61);
  for (let i = 0; i < 500; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => store.set(`big/${(i + j) % 40}`, big)));
  }
  // An incremental from revision 1 holds every record: many frames, all of them record frames.
  const bytes = await writeBackup(store, 1, join(dir, 'history.kvb'));
  await store.close();
  return { path: join(dir, 'history.kvb'), bytes };
}

async function refusal(path: string): Promise<BackupFormatError> {
  const err = await readBackupFile(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `${path} should be refused`).toBeInstanceOf(BackupFormatError);
  return err as BackupFormatError;
}

describe('backup file format', () => {
  it('round-trips the state and the records, and states them in the trailer', async () => {
    const dir = await tempDir();
    const store = await KvStore.open({ dataDir: join(dir, 'source'), durability: 'relaxed' });
    await writeHistory(store, 500);
    const revision = store.revision;
    await writeBackup(store, 0, join(dir, 'full.kvb'));
    await store.close();
    let entries = 0;
    const summary = await readBackupFile(join(dir, 'full.kvb'), {
      entries: (batch) => {
        entries += batch.length;
      },
    });
    expect(summary.header).toMatchObject({
      kind: 'full',
      baseRevision: revision,
      recordFormat: RECORD_FORMAT_VERSION,
    });
    expect(summary.trailer).toMatchObject({ lastRevision: revision, items: entries });
    expect(entries).toBeGreaterThan(10);
  });

  it('refuses a flipped byte anywhere (magic, header, records, trailer, checksum), naming its frame offset', async () => {
    const dir = await tempDir();
    const { bytes } = await backupWithHistory(dir);
    const all = frames(bytes);
    expect(all.length).toBeGreaterThan(3);
    const middle = all[Math.floor(all.length / 2)]!;
    const positions = [
      2, // magic
      all[0]!.offset + 12, // header frame payload
      middle.offset + 1, // a length field
      middle.offset + 5, // a CRC field
      middle.offset + 100, // a record payload
      bytes.length - TRAILER_BYTES + 6, // the trailer's last revision
      bytes.length - 1, // the SHA-256
    ];
    for (const position of positions) {
      const damaged = Buffer.from(bytes);
      damaged[position]! ^= 0x10;
      const path = join(dir, `flipped-${position}.kvb`);
      await writeFile(path, damaged);
      const err = await refusal(path);
      expect(err.message).toMatch(new RegExp(`^${path}: byte offset \\d+: `));
      // The offset named is where the damaged part starts: at or before the flipped byte, and within
      // the frame (or trailer) that holds it.
      expect(err.offset, `flip at ${position}: ${err.message}`).toBeLessThanOrEqual(position);
      const holder = all.find((f) => position >= f.offset && position < f.offset + f.length);
      if (holder) expect(err.offset, err.message).toBe(holder.offset);
      else expect(err.offset).toBeGreaterThanOrEqual(position < 8 ? 0 : bytes.length - TRAILER_BYTES);
    }
  });

  it('refuses a truncated file wherever it is cut, naming the offset where it ends', async () => {
    const dir = await tempDir();
    const { bytes } = await backupWithHistory(dir);
    for (const keep of [
      5,
      20,
      Math.floor(bytes.length / 3),
      bytes.length - TRAILER_BYTES,
      bytes.length - 1,
    ]) {
      const path = join(dir, `short-${keep}.kvb`);
      await writeFile(path, bytes.subarray(0, keep));
      const err = await refusal(path);
      expect(err.message, `cut at ${keep}`).toMatch(/truncated/);
      expect(err.offset).toBeLessThanOrEqual(keep);
    }
    const longer = join(dir, 'longer.kvb');
    await writeFile(longer, Buffer.concat([bytes, Buffer.from([0])]));
    expect((await refusal(longer)).message).toMatch(/after the SHA-256/);
  });

  it('restores nothing from a damaged file: the data directory is left as it was', async () => {
    const dir = await tempDir();
    const { bytes } = await backupWithHistory(dir);
    const damaged = Buffer.from(bytes);
    damaged[bytes.length - 200]! ^= 0x01;
    await writeFile(join(dir, 'damaged.kvb'), damaged);
    await writeFile(join(dir, 'short.kvb'), bytes.subarray(0, bytes.length - 10));

    for (const name of ['damaged.kvb', 'short.kvb']) {
      const target = join(dir, `restored-${name}`);
      const err = await restore({ inputs: [join(dir, name)], dataDir: target }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackupFormatError);
      expect((err as Error).message).toMatch(/byte offset \d+/);
      await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    }

    // An existing (empty) directory stays, and empty of data: what the data directory's lock leaves (its
    // checkpoints folder, its OS lock file, never deleted so two starting processes cannot both hold it) aside.
    const existing = join(dir, 'existing');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(existing);
    await expect(restore({ inputs: [join(dir, 'damaged.kvb')], dataDir: existing })).rejects.toThrow(
      /byte offset/,
    );
    const layout = new Set(['checkpoints', 'kvstore.lock.sqlite']);
    expect((await readdir(existing)).filter((n) => !layout.has(n))).toEqual([]);
    expect((await readFile(join(dir, 'history.kvb'))).equals(bytes)).toBe(true);
  });
});
