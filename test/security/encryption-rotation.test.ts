import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordKeyId } from '../../src/log/codec.js';
import { type DataKey, KeyRing, useKeyRing } from '../../src/log/encryption.js';
import { parseLogUrl } from '../../src/log/log-url.js';
import { MemoryEventLog } from '../../src/log/memory/memory-log.js';
import { SqliteConnection } from '../../src/log/sqlite/sqlite-connection.js';
import { KvStore } from '../../src/store/kv-store.js';
import { reencryptDataDir } from '../../src/store/reencrypt.js';
import { testDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

const open = (dataDir: string) => KvStore.open({ dataDir, durability: 'relaxed' });
const key = (id: string): DataKey => ({ id, key: randomBytes(32) });
const SECRET = 'rotation-canary-4e81d0';

/** The key id of every record of the SQLite log (null: plaintext), in revision order. */
async function recordKeys(dataDir: string): Promise<(string | null)[]> {
  const db = await SqliteConnection.open(join(dataDir, 'log.sqlite'), 'readonly');
  try {
    const rows = await db.all<{ record: Buffer }>('SELECT record FROM log ORDER BY revision');
    return rows.map((r) => recordKeyId(r.record));
  } finally {
    await db.close();
  }
}

async function write(dataDir: string, from: number, to: number): Promise<void> {
  const store = await open(dataDir);
  for (let i = from; i < to; i++) await store.set(`k/${i}`, Buffer.from(`${SECRET}-${i}`));
  await store.close();
}

/** Every value of keys k/from..k/to-1, read from a freshly opened store. */
async function read(dataDir: string, from: number, to: number): Promise<string[]> {
  const store = await open(dataDir);
  try {
    const out: string[] = [];
    for (let i = from; i < to; i++) out.push(Buffer.from(store.get(`k/${i}`).entry?.value ?? []).toString());
    return out;
  } finally {
    await store.close();
  }
}

const expected = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, j) => `${SECRET}-${from + j}`);

afterEach(() => useKeyRing(null));

describe('encryption at rest: rotation and re-encryption', () => {
  it('keeps plaintext records written before encryption readable, and seals the new ones', async () => {
    const dir = await tempDir();
    await write(dir, 0, 5);
    const k1 = key('k1');
    useKeyRing(new KeyRing([k1], 'k1'));
    await write(dir, 5, 10);
    expect(await read(dir, 0, 10)).toEqual(expected(0, 10));
    expect(await recordKeys(dir)).toEqual([null, null, null, null, null, 'k1', 'k1', 'k1', 'k1', 'k1']);
  });

  it('a new current key seals new records while the old ones stay readable; reencrypt lets the old key go', async () => {
    const dir = await tempDir();
    const [k1, k2] = [key('k1'), key('k2')];
    useKeyRing(new KeyRing([k1], 'k1'));
    await write(dir, 0, 30);
    // Rotation: k2 becomes current, k1 stays in the ring for the records sealed with it.
    useKeyRing(new KeyRing([k2, k1], 'k2'));
    await write(dir, 30, 40);
    expect(await read(dir, 0, 40)).toEqual(expected(0, 40));
    const keys = await recordKeys(dir);
    expect(keys.slice(0, 30).every((k) => k === 'k1')).toBe(true);
    expect(keys.slice(30).every((k) => k === 'k2')).toBe(true);

    // Without k1 the store refuses to start (its checkpoint and older records are under k1).
    useKeyRing(new KeyRing([k2], 'k2'));
    await expect(open(dir)).rejects.toThrow(/key "k1", which is not in the key ring/);

    useKeyRing(new KeyRing([k2, k1], 'k2'));
    const result = await reencryptDataDir(dir);
    expect(result).toMatchObject({ records: 40, rewritten: 30, currentKey: 'k2' });
    expect(result.checkpoints).toBeGreaterThan(0);
    expect((await recordKeys(dir)).every((k) => k === 'k2')).toBe(true);
    const raw = await readFile(join(dir, 'log.sqlite'));
    expect(raw.includes(SECRET)).toBe(false);

    // k1 removed: everything is still readable.
    useKeyRing(new KeyRing([k2], 'k2'));
    expect(await read(dir, 0, 40)).toEqual(expected(0, 40));
    // A second run has nothing left to do.
    expect((await reencryptDataDir(dir)).rewritten).toBe(0);
    // A mistyped directory is refused, and not created.
    await expect(reencryptDataDir(join(dir, 'typo'))).rejects.toThrow(/typo: holds no log.sqlite/);
    await expect(stat(join(dir, 'typo'))).rejects.toThrow(/ENOENT/);
  });

  it('a reencrypt cut short leaves the oldest records under the old key, so removing it is still refused', async () => {
    const dir = await tempDir();
    const [k1, k2] = [key('k1'), key('k2')];
    useKeyRing(new KeyRing([k1], 'k1'));
    const store = await open(dir);
    await Promise.all(
      Array.from({ length: 2500 }, (_, i) => store.set(`k/${i}`, Buffer.from(`${SECRET}-${i}`))),
    );
    await store.close();
    useKeyRing(new KeyRing([k2, k1], 'k2'));
    const cut = new Error('interrupted');
    // The first page (the newest 2,000 records) commits, then the run stops.
    await expect(
      reencryptDataDir(dir, () => {
        throw cut;
      }),
    ).rejects.toBe(cut);
    const keys = await recordKeys(dir);
    expect(keys.filter((k) => k === 'k2').length).toBe(2000);
    expect(keys[0]).toBe('k1');
    useKeyRing(new KeyRing([k2], 'k2'));
    await expect(open(dir)).rejects.toThrow(/encrypted with key "k1", which is not in the key ring/);
    // Run again with both keys: it finishes, and k1 can go.
    useKeyRing(new KeyRing([k2, k1], 'k2'));
    expect((await reencryptDataDir(dir)).rewritten).toBe(500);
    useKeyRing(new KeyRing([k2], 'k2'));
    expect(await read(dir, 2495, 2500)).toEqual(expected(2495, 2500));
  });

  it('reencrypt keeps the leases a checkpoint holds', async () => {
    const dir = await tempDir();
    const [k1, k2] = [key('k1'), key('k2')];
    useKeyRing(new KeyRing([k1], 'k1'));
    const store = await open(dir);
    await store.leases.grant(77, 600);
    await store.set('leased', Buffer.from(SECRET), { lease: 77 });
    await store.close();
    useKeyRing(new KeyRing([k2, k1], 'k2'));
    await reencryptDataDir(dir);
    useKeyRing(new KeyRing([k2], 'k2'));
    const reopened = await open(dir);
    try {
      expect(reopened.leases.list()).toEqual([77]);
      expect(reopened.leases.timeToLive(77, true)?.keys).toEqual(['leased']);
    } finally {
      await reopened.close();
    }
  });

  it('reencrypt seals a log written before encryption was on, leaving no plaintext in the file', async () => {
    const dir = await tempDir();
    await write(dir, 0, 50);
    expect((await readFile(join(dir, 'log.sqlite'))).includes(SECRET)).toBe(true);
    useKeyRing(new KeyRing([key('k1')], 'k1'));
    expect((await reencryptDataDir(dir)).rewritten).toBe(50);
    const files = [join(dir, 'log.sqlite'), join(dir, 'log.sqlite-wal')];
    for (const name of await readdir(join(dir, 'checkpoints'))) files.push(join(dir, 'checkpoints', name));
    for (const f of files) {
      const bytes = await readFile(f).catch(() => Buffer.alloc(0));
      expect(bytes.includes(SECRET), f).toBe(false);
    }
    expect(await read(dir, 0, 50)).toEqual(expected(0, 50));
  });

  it('the memory and PostgreSQL logs store sealed records too (the seam is the codec)', async () => {
    useKeyRing(new KeyRing([key('k1')], 'k1'));
    const memory = new MemoryEventLog();
    const store = await KvStore.open({ dataDir: await tempDir(), log: async () => memory });
    await store.set('m', Buffer.from(SECRET));
    const payloads: Uint8Array[] = [];
    for await (const raw of memory.readRaw(1)) payloads.push(raw.payload);
    expect(payloads.length).toBe(1);
    expect(recordKeyId(payloads[0]!)).toBe('k1');
    expect(Buffer.from(payloads[0]!).includes(SECRET)).toBe(false);
    expect(Buffer.from(store.get('m').entry!.value).toString()).toBe(SECRET);
    await store.close();

    const db = await testDatabase();
    try {
      const dataDir = await tempDir();
      const pgStore = await KvStore.open({ dataDir, log: parseLogUrl(db.url()) });
      await pgStore.set('p', Buffer.from(SECRET));
      await pgStore.close();
      const { rows } = await db.query<{ record: Buffer }>('SELECT record FROM kvstore_log');
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(recordKeyId(row.record)).toBe('k1');
        expect(row.record.includes(SECRET)).toBe(false);
      }
      const reopened = await KvStore.open({ dataDir, log: parseLogUrl(db.url()) });
      expect(Buffer.from(reopened.get('p').entry!.value).toString()).toBe(SECRET);
      await reopened.close();
    } finally {
      await db.drop();
    }
  });
});
