import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeBackup } from '../../src/backup/backup-writer.js';
import { restore } from '../../src/backup/restore.js';
import { encodeRecord, LEGACY_FORMAT_VERSION, RECORD_FORMAT_VERSION } from '../../src/log/codec.js';
import type { LogEvent, RawRecord } from '../../src/log/events.js';
import { SqliteConnection } from '../../src/log/sqlite/sqlite-connection.js';
import { KVSTORE_APPLICATION_ID } from '../../src/log/sqlite/sqlite-file-check.js';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-log.js';
import { KvStore } from '../../src/store/kv-store.js';
import { tempDir } from '../helpers/temp-dir.js';

const put = (key: string, value: string, revision: number): LogEvent => ({
  type: 'put',
  key,
  value: Buffer.from(value),
  expiresAt: 0,
  createRevision: revision,
  version: 1,
  prevRevision: 0,
});

/** A payload as builds before checksums wrote it: version byte 1, then the same MessagePack body. */
function legacyPayload(revision: number, events: LogEvent[]): Buffer {
  const current = encodeRecord(revision, 1_700_000_000_000 + revision, events);
  return Buffer.concat([Buffer.from([LEGACY_FORMAT_VERSION]), current.subarray(5)]);
}

const legacyRecords = (n: number): RawRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    revision: i + 1,
    payload: legacyPayload(i + 1, [put(`old/${i}`, `written by an older build ${i}`, i + 1)]),
  }));

/** Writes a schema-1 log file holding `records`, as an older build left it. */
async function legacyLog(path: string, records: RawRecord[]): Promise<void> {
  const db = await SqliteConnection.open(path, 'readwrite');
  await db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA application_id = ${KVSTORE_APPLICATION_ID};
    PRAGMA user_version = 1;
    CREATE TABLE log (revision INTEGER PRIMARY KEY, record BLOB NOT NULL);
    CREATE TABLE meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;`);
  await db.run('BEGIN');
  for (const r of records)
    await db.run('INSERT INTO log (revision, record) VALUES (?, ?)', [r.revision, Buffer.from(r.payload)]);
  await db.run('COMMIT');
  await db.close();
}

async function storedVersions(path: string): Promise<{ schema: number; formats: number[] }> {
  const db = await SqliteConnection.open(path, 'readonly');
  try {
    const schema = (await db.get<{ user_version: number }>('PRAGMA user_version'))!.user_version;
    const rows = await db.all<{ record: Buffer }>('SELECT record FROM log ORDER BY revision');
    return { schema, formats: [...new Set(rows.map((r) => r.record[0]!))] };
  } finally {
    await db.close();
  }
}

describe('logs and backups written before checksums', () => {
  it('a schema-1 log is upgraded on open: every record gets its checksum, the bodies are kept', async () => {
    const dir = await tempDir();
    await legacyLog(join(dir, 'log.sqlite'), legacyRecords(6_000));

    const store = await KvStore.open({ dataDir: dir, durability: 'relaxed' });
    try {
      expect(store.revision).toBe(6_000);
      expect(store.get('old/5999').entry?.modRevision).toBe(6_000);
      expect((await store.eventLog.readOne(7))?.timeMs).toBe(1_700_000_000_007);
      expect((await store.set('new', Buffer.from('v'))).revision).toBe(6_001);
    } finally {
      await store.close();
    }
    expect(await storedVersions(join(dir, 'log.sqlite'))).toEqual({
      schema: 2,
      formats: [RECORD_FORMAT_VERSION],
    });
  });

  it('a schema-1 log with a record that does not decode is refused and left as it was', async () => {
    const dir = await tempDir();
    const records = legacyRecords(20);
    records[9] = { revision: 10, payload: Buffer.from([LEGACY_FORMAT_VERSION, 0xc1, 0xc1]) };
    await legacyLog(join(dir, 'log.sqlite'), records);

    await expect(SqliteEventLog.open(join(dir, 'log.sqlite'))).rejects.toThrow(
      /log\.sqlite: record at revision 10: not valid MessagePack .*cannot be upgraded/,
    );
    expect(await storedVersions(join(dir, 'log.sqlite'))).toEqual({
      schema: 1,
      formats: [LEGACY_FORMAT_VERSION],
    });
  });

  it('a backup holding format-1 records restores into checksummed records', async () => {
    const dir = await tempDir();
    const chunks: Buffer[] = [];
    const records = legacyRecords(50);
    for await (const chunk of encodeBackup({
      kind: 'incremental',
      baseRevision: 0,
      baseTimeMs: 0,
      entries: undefined,
      async *records() {
        yield* records;
      },
      capturedAt: async () => 1_700_000_000_050,
    }))
      chunks.push(chunk);
    const file = join(dir, 'old.kvb');
    await writeFile(file, Buffer.concat(chunks));

    const dataDir = join(dir, 'restored');
    const result = await restore({ inputs: [file], dataDir });
    expect(result).toMatchObject({ revision: 50, records: 50, keys: 50 });
    expect(await storedVersions(join(dataDir, 'log.sqlite'))).toEqual({
      schema: 2,
      formats: [RECORD_FORMAT_VERSION],
    });
    const store = await KvStore.open({ dataDir, durability: 'relaxed' });
    try {
      let read = 0;
      for await (const _ of store.eventLog.readRaw(1)) read++;
      expect(read).toBe(50);
    } finally {
      await store.close();
    }
  });
});
