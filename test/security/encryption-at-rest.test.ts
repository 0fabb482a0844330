import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { restore } from '../../src/backup/restore.js';
import { DecryptionError, EncryptionKeyError, KeyRing, useKeyRing } from '../../src/log/encryption.js';
import { KvStore } from '../../src/store/kv-store.js';
import { writeBackup } from '../helpers/backup.js';
import { tempDir } from '../helpers/temp-dir.js';

const open = (dataDir: string) => KvStore.open({ dataDir, durability: 'relaxed' });
const key = (id: string) => ({ id, key: randomBytes(32) });
/** A value no codec or MessagePack framing could produce by chance. */
const SECRET = 'plaintext-canary-7f3a9c';
const SECRET_KEY = 'customers/canary-key-91b2';

/** Every file of the data directory that holds data: the log (and its WAL) and the checkpoints. */
async function dataFiles(dataDir: string): Promise<Buffer[]> {
  const files = [join(dataDir, 'log.sqlite'), join(dataDir, 'log.sqlite-wal')];
  for (const name of await readdir(join(dataDir, 'checkpoints')))
    files.push(join(dataDir, 'checkpoints', name));
  return Promise.all(files.map((f) => readFile(f).catch(() => Buffer.alloc(0))));
}

const holds = (bytes: readonly Buffer[], text: string) => bytes.some((b) => b.includes(text));

/** The value of `key` in the store at `dataDir` (opened and closed again). */
async function valueIn(dataDir: string, key: string): Promise<string | undefined> {
  const store = await open(dataDir);
  try {
    const entry = store.get(key).entry;
    return entry && Buffer.from(entry.value).toString();
  } finally {
    await store.close();
  }
}

/** A store with a few writes of the canary, closed (which writes its checkpoint), and a full backup of it. */
async function writeCanary(dataDir: string, backupPath: string): Promise<void> {
  const store = await open(dataDir);
  for (let i = 0; i < 20; i++) await store.set(`${SECRET_KEY}/${i}`, Buffer.from(`${SECRET}-${i}`));
  await store.set('plain', Buffer.from('x'));
  await writeBackup(store, 0, backupPath);
  await store.close();
}

afterEach(() => useKeyRing(null));

describe('encryption at rest', () => {
  it('with encryption on, log.sqlite, checkpoints and backups hold no plaintext key or value; off, they do', async () => {
    const dir = await tempDir();
    useKeyRing(null);
    await writeCanary(join(dir, 'plain'), join(dir, 'plain.kvb'));
    const plain = [...(await dataFiles(join(dir, 'plain'))), await readFile(join(dir, 'plain.kvb'))];
    expect(holds(plain, SECRET)).toBe(true);
    expect(holds(plain, SECRET_KEY)).toBe(true);

    useKeyRing(new KeyRing([key('k1')], 'k1'));
    await writeCanary(join(dir, 'sealed'), join(dir, 'sealed.kvb'));
    const sealedFiles = await dataFiles(join(dir, 'sealed'));
    expect(sealedFiles.filter((b) => b.length > 0).length).toBeGreaterThanOrEqual(2);
    const sealed = [...sealedFiles, await readFile(join(dir, 'sealed.kvb'))];
    expect(holds(sealed, SECRET)).toBe(false);
    expect(holds(sealed, SECRET_KEY)).toBe(false);

    expect(await valueIn(join(dir, 'sealed'), `${SECRET_KEY}/3`)).toBe(`${SECRET}-3`);
  });

  it('refuses to start with no key, a key id not in the ring, or the wrong key under the id', async () => {
    const dir = await tempDir();
    useKeyRing(new KeyRing([key('k1')], 'k1'));
    await writeCanary(join(dir, 'data'), join(dir, 'b.kvb'));

    useKeyRing(null);
    await expect(open(join(dir, 'data'))).rejects.toThrow(
      /encrypted with key "k1", but no encryption key is configured/,
    );
    useKeyRing(new KeyRing([key('k2')], 'k2'));
    await expect(open(join(dir, 'data'))).rejects.toThrow(EncryptionKeyError);
    await expect(open(join(dir, 'data'))).rejects.toThrow(/key "k1", which is not in the key ring/);
    useKeyRing(new KeyRing([key('k1')], 'k1'));
    await expect(open(join(dir, 'data'))).rejects.toThrow(DecryptionError);
  });

  it('restores an encrypted backup with the key, and refuses it without', async () => {
    const dir = await tempDir();
    const ring = new KeyRing([key('k1')], 'k1');
    useKeyRing(ring);
    await writeCanary(join(dir, 'data'), join(dir, 'full.kvb'));
    useKeyRing(null);
    await expect(restore({ inputs: [join(dir, 'full.kvb')], dataDir: join(dir, 'nokey') })).rejects.toThrow(
      /full.kvb \(entries frame 0\) is encrypted with key "k1"/,
    );
    useKeyRing(ring);
    await restore({ inputs: [join(dir, 'full.kvb')], dataDir: join(dir, 'restored') });
    expect(holds(await dataFiles(join(dir, 'restored')), SECRET)).toBe(false);
    expect(await valueIn(join(dir, 'restored'), `${SECRET_KEY}/7`)).toBe(`${SECRET}-7`);
  });
});
