import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointFileName } from '../../src/store/checkpointer.js';
import { checkDataDir } from '../../src/store/data-dir-check.js';
import { DataDirStateError } from '../../src/store/errors.js';
import { KvStore, type StoreOptions } from '../../src/store/kv-store.js';
import { cursorWitness } from '../../src/streams/nats/cursor-file.js';
import { dumpState } from '../helpers/history.js';
import { withLogDb } from '../helpers/log-damage.js';
import { tempDir } from '../helpers/temp-dir.js';

const open = (dataDir: string, options: Partial<StoreOptions> = {}) =>
  KvStore.open({
    dataDir,
    durability: 'relaxed',
    checkpoint: { everyRevisions: 0, intervalMs: 0, keep: 3 },
    witnesses: [cursorWitness(join(dataDir, 'nats-cursor.json'))],
    ...options,
  });

/** `n` writes, one revision each, over 40 keys. */
async function writeHistory(store: KvStore, n: number, tag = 1): Promise<void> {
  for (let i = 0; i < n; i++) await store.set(`key/${i % 40}`, Buffer.from(`value ${i} of round ${tag}`));
}

/** What the WAL losing its last committed frames leaves: the log without its records above `revision`. */
const loseRecordsAbove = (dataDir: string, revision: number) =>
  withLogDb(dataDir, (db) => db.run('DELETE FROM log WHERE revision > ?', [revision]));

/** A store with checkpoints at 220 and 240 and a log up to 250; returns the state at 240. */
async function storeWithCheckpoints(dir: string): Promise<unknown[]> {
  const store = await open(dir);
  await writeHistory(store, 220);
  await store.checkpoint();
  await writeHistory(store, 20, 2);
  await store.checkpoint();
  const at240 = dumpState(store);
  await writeHistory(store, 10, 3);
  expect(store.revision).toBe(250);
  await store.close();
  // As after a crash: the state at 250 was acknowledged, but no checkpoint of it was written.
  await rm(join(dir, 'checkpoints', checkpointFileName(250)));
  return at240;
}

describe('a log shorter than what was acknowledged', () => {
  it('refuses to start when a checkpoint is ahead of the log, naming the lost revisions and the file', async () => {
    const dir = await tempDir();
    await storeWithCheckpoints(dir);
    await loseRecordsAbove(dir, 210);

    const err = await open(dir).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(DataDirStateError);
    const checkpoint = join(dir, 'checkpoints', checkpointFileName(240));
    expect(err!.message).toContain('the log ends at revision 210');
    expect(err!.message).toContain('revisions 211..240 are lost');
    expect(err!.message).toContain(`${checkpoint} shows revision 240`);
    expect(err!.message).toMatch(/restore the directory from a backup \(kvstore restore\)/i);
    expect(err!.message).toContain('--accept-log-truncation');

    const report = await checkDataDir(dir);
    expect(report.problems).toEqual([
      { file: checkpoint, message: expect.stringContaining('revisions 211..240 are lost') },
    ]);
  });

  it('with acceptLogTruncation serves the checkpoint and never hands out an acknowledged revision again', async () => {
    const dir = await tempDir();
    const at240 = await storeWithCheckpoints(dir);
    await loseRecordsAbove(dir, 210);

    const store = await open(dir, { acceptLogTruncation: true });
    try {
      expect(dumpState(store)).toEqual(at240);
      expect(store.revision).toBe(240);
      expect(store.status()).toMatchObject({ compactRevision: 241, checkpointRevision: 240 });
      // 241..250 were acknowledged before the crash too, but no witness survived to prove it: a
      // checkpoint is written at most every checkpoint.everyRevisions, so that is the window at risk.
      const next = await store.set('after', Buffer.from('x'));
      expect(next.revision).toBe(241);
    } finally {
      await store.close();
    }
    // The next start needs no option: the log continues after the checkpoint.
    const again = await open(dir);
    try {
      expect(again.revision).toBe(241);
      expect(again.get('after').entry?.modRevision).toBe(241);
    } finally {
      await again.close();
    }
    expect((await checkDataDir(dir)).problems).toEqual([]);
  });

  it('refuses a NATS publish cursor ahead of the log, and with the option continues after it', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await writeHistory(store, 50);
    const at50 = dumpState(store);
    await store.close();
    // Revisions up to 60 were published (the next to publish is event 0 of revision 61).
    const cursor = join(dir, 'nats-cursor.json');
    await writeFile(cursor, `${JSON.stringify({ revision: 61, index: 0 })}\n`);

    await expect(open(dir)).rejects.toThrow(
      `revisions 51..60 are lost from the log (${cursor} shows revision 60)`,
    );
    expect((await checkDataDir(dir, { witnesses: [cursorWitness(cursor)] })).problems).toHaveLength(1);

    const accepted = await open(dir, { acceptLogTruncation: true });
    try {
      expect(dumpState(accepted)).toEqual(at50);
      expect(accepted.revision).toBe(60);
      expect((await accepted.set('next', Buffer.from('y'))).revision).toBe(61);
    } finally {
      await accepted.close();
    }
  });

  it('counts a cursor half-way through a record as that record published', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await writeHistory(store, 5);
    await store.close();
    await writeFile(join(dir, 'nats-cursor.json'), JSON.stringify({ revision: 6, index: 0 }));
    await (await open(dir)).close(); // exactly caught up: nothing lost
    await writeFile(join(dir, 'nats-cursor.json'), JSON.stringify({ revision: 6, index: 1 }));
    await expect(open(dir)).rejects.toThrow('revision 6 is lost from the log');
  });
});
