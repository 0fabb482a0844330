import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DamagedRecordError } from '../../src/log/event-log.js';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-log.js';
import { KvStore, type StoreOptions } from '../../src/store/kv-store.js';
import { flipValueInRecord, withLogDb } from '../helpers/log-damage.js';
import { tempDir } from '../helpers/temp-dir.js';

const valueFor = (i: number) => `value-${String(i).padStart(4, '0')}-checked-in-the-background`;

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A store whose pino lines are kept, to assert what it logged. */
async function openLogged(dataDir: string, options: Partial<StoreOptions> = {}) {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const store = await KvStore.open({
    dataDir,
    durability: 'relaxed',
    logger,
    historyCheck: { pageSize: 7, pauseMs: 0 },
    ...options,
  });
  return { store, lines };
}

async function writeKeys(store: KvStore, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) await store.set(`k/${i}`, Buffer.from(valueFor(i)));
}

/** Waits (polling, bounded) until `condition` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const checkedAtStartUp = (lines: readonly LogLine[]) =>
  lines.filter((l) => l.msg === 'checked the log history').map((l) => l.records);

describe('the verified-through watermark', () => {
  it('is persisted, so a restart verifies only the history written since the last start', async () => {
    const dir = await tempDir();
    const first = await openLogged(dir);
    await writeKeys(first.store, 0, 40); // revisions 1..40
    await first.store.close();

    const second = await openLogged(dir);
    expect(checkedAtStartUp(second.lines)).toEqual([40]); // the history new since the first start
    await writeKeys(second.store, 40, 50); // revisions 41..50
    await second.store.close();

    const third = await openLogged(dir);
    try {
      expect(checkedAtStartUp(third.lines)).toEqual([10]); // only revisions 41..50
      expect(third.store.eventLog.verifiedThrough()).toBe(50);
      // The older history is re-read in the background, and found whole.
      await until(() => third.store.status().historyCheck.state === 'done', 'the background check ends');
      expect(third.store.status().historyCheck).toMatchObject({ checkedRecords: 40, damagedRecords: 0 });
      const ended = third.lines.find((l) => l.msg === 'checked the log history in the background');
      expect(ended).toMatchObject({ level: 30, records: 40, damaged: 0 });
      expect(ended?.ms).toEqual(expect.any(Number));
    } finally {
      await third.store.close();
    }
  });

  it('still refuses start-up on a damaged record written after the last start', async () => {
    const dir = await tempDir();
    const first = await openLogged(dir);
    await writeKeys(first.store, 0, 30);
    await first.store.close();
    await (await openLogged(dir)).store.close(); // the watermark is now 30
    const second = await openLogged(dir);
    await writeKeys(second.store, 30, 45); // revisions 31..45, above the watermark
    await second.store.close();

    await flipValueInRecord(dir, 36, valueFor(35));
    await expect(openLogged(dir)).rejects.toThrow(
      `${join(dir, 'log.sqlite')}: record at revision 36: fails its checksum`,
    );
  });

  it('never exceeds the log: a log that lost its end does not count the next revisions as verified', async () => {
    const dir = await tempDir();
    const log = await SqliteEventLog.open(join(dir, 'log.sqlite'), { durability: 'relaxed' });
    for (let i = 0; i < 5; i++) await log.append([]);
    await log.markVerified(5);
    await expect(log.markVerified(6)).rejects.toThrow(RangeError);
    await log.compact(4);
    expect(log.verifiedThrough()).toBe(5);
    await log.startAt(10);
    expect(log.verifiedThrough()).toBe(9); // nothing below the new start is held
    await log.close();

    // The log loses its end (see log-truncation.test.ts): revisions written next are not counted as verified.
    const lossyDir = await tempDir();
    const short = join(lossyDir, 'log.sqlite');
    const lossy = await SqliteEventLog.open(short, { durability: 'relaxed' });
    for (let i = 0; i < 5; i++) await lossy.append([]);
    await lossy.markVerified(5);
    await lossy.close();
    await withLogDb(lossyDir, (db) => db.run('DELETE FROM log WHERE revision > 3'));
    const reopened = await SqliteEventLog.open(short, { durability: 'relaxed' });
    expect(reopened.verifiedThrough()).toBe(3);
    await reopened.append([]);
    await reopened.append([]);
    expect([reopened.lastRevision(), reopened.verifiedThrough()]).toEqual([5, 3]);
    await reopened.close();
    const again = await SqliteEventLog.open(short);
    expect(again.verifiedThrough()).toBe(3); // the clamp was written, not only applied in memory
    await again.close();

    const fresh = await SqliteEventLog.open(join(dir, 'fresh.sqlite'));
    expect(fresh.verifiedThrough()).toBe(0);
    await fresh.close();
  });
});

describe('the background check of the log history', () => {
  it('reports a record damaged below the watermark without stopping the store', async () => {
    const dir = await tempDir();
    const first = await openLogged(dir);
    await writeKeys(first.store, 0, 40);
    await first.store.close();
    await (await openLogged(dir)).store.close(); // verifies 1..40: the watermark is 40

    await flipValueInRecord(dir, 12, valueFor(11)); // bit rot in history already verified
    const { store, lines } = await openLogged(dir);
    try {
      expect(checkedAtStartUp(lines)).toEqual([0]);
      expect(store.get('k/11').entry?.value.toString()).toBe(valueFor(11)); // the state is whole
      await until(() => store.status().historyCheck.state === 'done', 'the background check ends');
      expect(store.status().historyCheck).toMatchObject({ damagedRecords: 1, damagedRevisions: [12] });
      const error = lines.find((l) => l.level === 50);
      expect(error).toMatchObject({ revision: 12, file: join(dir, 'log.sqlite') });
      expect(error?.msg).toContain('record at revision 12: fails its checksum');
      expect(error?.msg).toContain('restore the data directory from a backup (kvstore restore)');
      expect(error?.msg).toContain('kvstore check');

      await expect(store.eventLog.readOne(12)).rejects.toBeInstanceOf(DamagedRecordError);
      await expect(store.eventLog.readOne(12)).rejects.toThrow(/log\.sqlite: record at revision 12/);
      expect((await store.set('after', Buffer.from('x'))).revision).toBe(41); // and it still serves
    } finally {
      await store.close();
    }
  });

  it('stops promptly when the store closes mid-way', async () => {
    const dir = await tempDir();
    const first = await openLogged(dir);
    await writeKeys(first.store, 0, 200);
    await first.store.close();
    await (await openLogged(dir)).store.close();

    const { store } = await openLogged(dir, { historyCheck: { pageSize: 1, pauseMs: 60_000 } });
    await until(() => store.status().historyCheck.checkedRecords > 0, 'the check has begun');
    await store.close(); // would wait a minute per page if the pause were not cut short
    expect(store.status().historyCheck).toMatchObject({ state: 'stopped', damagedRecords: 0 });
    expect(store.status().historyCheck.checkedRecords).toBeLessThan(200);
  });
});
