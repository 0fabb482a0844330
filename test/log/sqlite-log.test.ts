import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { describe, expect, it } from 'vitest';
import { LogFileError } from '../../src/log/event-log.js';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-log.js';
import { tempDir } from '../helpers/temp-dir.js';
import { put, readAll } from './contract.js';

const sha = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

describe('SqliteEventLog', () => {
  it('assigns revisions 1, 2, 3, ... with no gap to concurrent appends, in commit order', async () => {
    const path = join(await tempDir(), 'log.sqlite');
    const log = await SqliteEventLog.open(path);
    const committed: number[] = [];
    log.onCommit((records) => {
      for (const r of records) committed.push(r.revision);
    });
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => log.append([put(`k${i}`, `v${i}`)])),
    );
    const revisions = results.map((r) => r.revision).sort((a, b) => a - b);
    expect(revisions).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(committed).toEqual(revisions);
    expect(log.lastRevision()).toBe(300);
    await log.close();
  });

  it('shares one commit among appends that arrive while a commit is in flight (group commit)', async () => {
    const path = join(await tempDir(), 'log.sqlite');
    const log = await SqliteEventLog.open(path);
    let commits = 0;
    log.onCommit(() => commits++);
    await Promise.all(Array.from({ length: 256 }, (_, i) => log.append([put(`k${i}`, 'v')])));
    expect(commits).toBeLessThan(16);
    await log.close();
  });

  it('reads back exactly what was appended, after a reopen too', async () => {
    const path = join(await tempDir(), 'log.sqlite');
    const log = await SqliteEventLog.open(path);
    for (let i = 0; i < 20; i++)
      await log.append([put(`key/${i}`, `value ${i}`), { type: 'delete', key: 'x', prevRevision: i }]);
    await log.close();

    const reopened = await SqliteEventLog.open(path);
    expect(reopened.lastRevision()).toBe(20);
    const records = await readAll(reopened, 5);
    expect(records.map((r) => r.revision)).toEqual(Array.from({ length: 16 }, (_, i) => i + 5));
    const first = records[0]!.events[0]!;
    expect(first.type === 'put' && Buffer.from(first.value).toString()).toBe('value 4');
    expect(records[0]!.events[1]).toEqual({ type: 'delete', key: 'x', prevRevision: 4 });
    expect((await reopened.readOne(7))?.revision).toBe(7);
    expect(await reopened.readOne(21)).toBeUndefined();
    await reopened.close();
  });

  it('builds records at the serialisation point, in revision order, and drops a builder that throws', async () => {
    const path = join(await tempDir(), 'log.sqlite');
    const log = await SqliteEventLog.open(path);
    const seen: number[] = [];
    const appends = Array.from({ length: 50 }, (_, i) =>
      log.append((revision) => {
        if (i % 10 === 3) throw new Error(`refused ${i}`);
        seen.push(revision);
        return [put(`k${i}`, String(revision))];
      }),
    );
    const settled = await Promise.allSettled(appends);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(5);
    expect(seen).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    const records = await readAll(log);
    for (const record of records) {
      const event = record.events[0]!;
      expect(event.type === 'put' && Buffer.from(event.value).toString()).toBe(String(record.revision));
    }
    await log.close();
  });

  it('rejects appends after close', async () => {
    const log = await SqliteEventLog.open(join(await tempDir(), 'log.sqlite'));
    await log.close();
    await expect(log.append([put('a', 'b')])).rejects.toThrow(/closed/);
  });

  it('refuses a file that is not SQLite, names it, and leaves it untouched', async () => {
    const dir = await tempDir();
    const path = join(dir, 'log.sqlite');
    await writeFile(path, Buffer.from("these are somebody else's bytes, not a database".repeat(100)));
    const before = await sha(path);
    const error = await SqliteEventLog.open(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogFileError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/not a kvstore log/);
    expect(await sha(path)).toBe(before);
  });

  it('refuses the SQLite database of another application and leaves it untouched', async () => {
    const dir = await tempDir();
    const path = join(dir, 'log.sqlite');
    await new Promise<void>((resolve, reject) => {
      const db = new sqlite3.Database(path, (err) => {
        if (err) return reject(err);
        db.exec(
          'CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);',
          (e) => (e ? reject(e) : db.close(() => resolve())),
        );
      });
    });
    const before = await sha(path);
    await expect(SqliteEventLog.open(path)).rejects.toThrow(
      /another application|tables of another application/,
    );
    expect(await sha(path)).toBe(before);
  });
});
