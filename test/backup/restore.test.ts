import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { restore } from '../../src/backup/restore.js';
import { RestorePlanError } from '../../src/backup/restore-plan.js';
import { DataDirLockedError } from '../../src/store/errors.js';
import { KvStore } from '../../src/store/kv-store.js';
import { writeBackup } from '../helpers/backup.js';
import { dumpState, writeHistory } from '../helpers/history.js';
import { tempDir } from '../helpers/temp-dir.js';

const open = (dataDir: string) => KvStore.open({ dataDir, durability: 'relaxed' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('restore', () => {
  it('restores a full backup taken at R to exactly the state at R, whatever was written after it', async () => {
    const dir = await tempDir();
    const source = await open(join(dir, 'source'));
    await writeHistory(source, 400);
    const atR = await source.hashKv();
    const stateAtR = dumpState(source);
    await writeBackup(source, 0, join(dir, 'full.kvb'));
    await writeHistory(source, 200, 2);
    expect((await source.hashKv()).hash).not.toBe(atR.hash);

    const result = await restore({ inputs: [join(dir, 'full.kvb')], dataDir: join(dir, 'restored') });
    expect(result).toMatchObject({ revision: atR.revision, hash: atR.hash, keys: atR.keys });
    expect(result.compactRevision).toBe(atR.revision + 1);

    const restored = await open(join(dir, 'restored'));
    expect(await restored.hashKv()).toMatchObject({ revision: atR.revision, hash: atR.hash });
    expect(dumpState(restored)).toEqual(stateAtR);
    expect(restored.status().compactRevision).toBe(atR.revision + 1);
    // Revisions keep their numbers: the restored store continues after R, never restarting at 1.
    expect((await restored.set('after', Buffer.from('x'))).revision).toBe(atR.revision + 1);
    await restored.close();
    await source.close();
  });

  it('restores a full backup and two incrementals to the live state, in whatever order they are given', async () => {
    const dir = await tempDir();
    const source = await open(join(dir, 'source'));
    await writeHistory(source, 300);
    await writeBackup(source, 0, join(dir, 'full.kvb'));
    const fullEnd = source.revision;
    await writeHistory(source, 250, 2);
    await writeBackup(source, fullEnd + 1, join(dir, 'incr-1.kvb'));
    const incr1End = source.revision;
    await writeHistory(source, 250, 3);
    // Overlapping the first incremental is fine: records already restored are skipped.
    await writeBackup(source, incr1End - 20, join(dir, 'incr-2.kvb'));
    const live = await source.hashKv();

    const result = await restore({
      inputs: [join(dir, 'incr-2.kvb'), join(dir, 'full.kvb'), join(dir, 'incr-1.kvb')],
      dataDir: join(dir, 'restored'),
    });
    expect(result).toMatchObject({ revision: live.revision, hash: live.hash, keys: live.keys });
    expect(result.files).toEqual([join(dir, 'full.kvb'), join(dir, 'incr-1.kvb'), join(dir, 'incr-2.kvb')]);
    const restored = await open(join(dir, 'restored'));
    expect((await restored.hashKv()).hash).toBe(live.hash);
    expect(dumpState(restored)).toEqual(dumpState(source));
    await restored.close();

    // Without the first incremental there is a gap: refused, naming the missing revisions.
    await expect(
      restore({ inputs: [join(dir, 'full.kvb'), join(dir, 'incr-2.kvb')], dataDir: join(dir, 'gap') }),
    ).rejects.toThrow(new RegExp(`revisions ${fullEnd + 1}\\.\\.${incr1End - 21} are in none of the files`));
    await source.close();
  });

  it('--to-revision lands exactly on the state of that revision', async () => {
    const dir = await tempDir();
    const source = await open(join(dir, 'source'));
    await writeHistory(source, 100);
    await writeBackup(source, 0, join(dir, 'full.kvb'));
    const fullEnd = source.revision;
    await writeHistory(source, 300, 2);
    await writeBackup(source, fullEnd + 1, join(dir, 'incr.kvb'));
    const inputs = [join(dir, 'full.kvb'), join(dir, 'incr.kvb')];

    for (const target of [fullEnd, fullEnd + 1, fullEnd + 137, source.revision]) {
      const expected = await source.hashKv(target);
      const result = await restore({ inputs, dataDir: join(dir, `at-${target}`), toRevision: target });
      expect(result, `--to-revision ${target}`).toMatchObject({ revision: target, hash: expected.hash });
      const restored = await open(join(dir, `at-${target}`));
      expect((await restored.hashKv()).hash).toBe(expected.hash);
      expect(restored.revision).toBe(target);
      await restored.close();
    }
    await expect(restore({ inputs, dataDir: join(dir, 'before'), toRevision: fullEnd - 1 })).rejects.toThrow(
      new RegExp(
        `--to-revision ${fullEnd - 1}: the backups hold revisions ${fullEnd} .* to ${source.revision}`,
      ),
    );
    await expect(
      restore({ inputs, dataDir: join(dir, 'beyond'), toRevision: source.revision + 1 }),
    ).rejects.toBeInstanceOf(RestorePlanError);
    await source.close();
  });

  it('--to-time lands exactly on the last revision committed at or before that time', async () => {
    const dir = await tempDir();
    const source = await open(join(dir, 'source'));
    await writeBackup(source, 0, join(dir, 'full.kvb'));
    const marks: { time: number; revision: number; hash: string }[] = [];
    for (let round = 0; round < 4; round++) {
      await writeHistory(source, 40, round + 1);
      await sleep(15);
      marks.push({ time: Date.now(), revision: source.revision, hash: (await source.hashKv()).hash });
      await sleep(15);
    }
    await writeHistory(source, 40, 9);
    await writeBackup(source, 1, join(dir, 'incr.kvb'));
    const inputs = [join(dir, 'full.kvb'), join(dir, 'incr.kvb')];

    for (const mark of marks) {
      const result = await restore({ inputs, dataDir: join(dir, `t-${mark.time}`), toTimeMs: mark.time });
      expect(result).toMatchObject({ revision: mark.revision, hash: mark.hash });
      expect(result.revisionTimeMs).toBeLessThanOrEqual(mark.time);
    }
    // A time after the backups were taken is not covered by them.
    await expect(
      restore({ inputs, dataDir: join(dir, 'future'), toTimeMs: Date.now() + 60_000 }),
    ).rejects.toThrow(/--to-time .*: the backups hold the history up to/);
    await source.close();
  });

  it('refuses a non-empty directory, replaces a kvstore data directory with --force, never one in use', async () => {
    const dir = await tempDir();
    const source = await open(join(dir, 'source'));
    await writeHistory(source, 50);
    await writeBackup(source, 0, join(dir, 'full.kvb'));
    const expected = await source.hashKv();
    const inputs = [join(dir, 'full.kvb')];

    // A directory holding an older store: refused without --force, replaced with it.
    const older = await open(join(dir, 'older'));
    await writeHistory(older, 500, 7);
    await expect(restore({ inputs, dataDir: join(dir, 'older'), force: true })).rejects.toBeInstanceOf(
      DataDirLockedError,
    );
    await older.close();
    await expect(restore({ inputs, dataDir: join(dir, 'older') })).rejects.toThrow(
      /is not empty .* pass --force/,
    );
    await restore({ inputs, dataDir: join(dir, 'older'), force: true });
    const replaced = await open(join(dir, 'older'));
    expect(await replaced.hashKv()).toMatchObject({ revision: expected.revision, hash: expected.hash });
    await replaced.close();
    expect((await readdir(join(dir, 'older'), { recursive: true })).sort()).toEqual(
      expect.arrayContaining(['checkpoints', 'log.sqlite']),
    );

    // Something that is not a data directory is never emptied, even with --force.
    const home = join(dir, 'home');
    await mkdir(join(home, 'documents'), { recursive: true });
    await writeFile(join(home, 'notes.txt'), 'keep me');
    await expect(restore({ inputs, dataDir: home, force: true })).rejects.toThrow(
      /does not look like a kvstore data directory/,
    );
    expect((await readdir(home)).sort()).toEqual(['documents', 'notes.txt']);
    await source.close();
  });

  it('restores an incremental from revision 1 alone (the empty state needs no full backup)', async () => {
    const dir = await tempDir();
    const source = await open(join(dir, 'source'));
    await writeHistory(source, 300);
    await writeBackup(source, 1, join(dir, 'all.kvb'));
    const result = await restore({ inputs: [join(dir, 'all.kvb')], dataDir: join(dir, 'restored') });
    expect(result).toMatchObject({ hash: (await source.hashKv()).hash, compactRevision: 1 });
    await expect(
      restore({ inputs: [join(dir, 'all.kvb'), join(dir, 'all.kvb')], dataDir: join(dir, 'twice') }),
    ).resolves.toMatchObject({ revision: source.revision });
    await writeBackup(source, 100, join(dir, 'later.kvb'));
    await expect(
      restore({ inputs: [join(dir, 'later.kvb')], dataDir: join(dir, 'no-base') }),
    ).rejects.toThrow(/no full backup given/);
    await source.close();
  });
});
