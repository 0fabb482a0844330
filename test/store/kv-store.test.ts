import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/log/events.js';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-log.js';
import { storedValueBytes } from '../../src/projections/key-entry.js';
import { DataDirLockedError, InvalidArgumentError } from '../../src/store/errors.js';
import { KvStore, type StoreOptions } from '../../src/store/kv-store.js';
import { tempDir } from '../helpers/temp-dir.js';

const text = (s: string) => Buffer.from(s);
const textOf = (store: KvStore, key: string) => {
  const entry = store.get(key).entry;
  return entry && storedValueBytes(entry.value).toString();
};

async function openStore(dataDir: string, options: Partial<StoreOptions> = {}): Promise<KvStore> {
  return KvStore.open({ dataDir, ...options });
}

/** Every live key with its metadata, for comparing two states. */
function dump(store: KvStore) {
  const out: unknown[] = [];
  let after: string | undefined;
  for (;;) {
    const page = store.list({ limit: 1000, after });
    for (const e of page.entries)
      out.push([
        e.key,
        storedValueBytes(e.value).toString('hex'),
        e.createRevision,
        e.modRevision,
        e.version,
        e.expiresAt,
      ]);
    if (page.next === undefined) return out;
    after = page.next;
  }
}

async function logRecords(dataDir: string): Promise<LogRecord[]> {
  const log = await SqliteEventLog.open(join(dataDir, 'log.sqlite'));
  const out: LogRecord[] = [];
  for await (const r of log.read(1)) out.push(r);
  await log.close();
  return out;
}

describe('KvStore: reads and writes', () => {
  it('gives every write the next revision and tracks create_revision, mod_revision and version', async () => {
    const store = await openStore(await tempDir());
    expect(store.revision).toBe(0);
    const a1 = await store.set('a', text('1'));
    const b1 = await store.set('b', text('x'));
    const a2 = await store.set('a', text('2'));
    expect([a1.revision, b1.revision, a2.revision]).toEqual([1, 2, 3]);
    expect(a2).toMatchObject({ createRevision: 1, version: 2 });
    const got = store.get('a');
    expect(got.revision).toBe(3);
    expect(got.entry).toMatchObject({
      key: 'a',
      createRevision: 1,
      modRevision: 3,
      version: 2,
      expiresAt: 0,
    });
    expect(textOf(store, 'a')).toBe('2');

    expect(await store.delete('a')).toEqual({ revision: 4, deleted: true });
    expect(store.get('a').entry).toBeUndefined();
    expect(await store.delete('a')).toEqual({ revision: 4, deleted: false });
    const a3 = await store.set('a', text('3'));
    expect(a3).toMatchObject({ revision: 5, createRevision: 5, version: 1 });
    await store.close();
  });

  it('keeps revisions gap-free and versions exact under concurrent writers of the same keys', async () => {
    const store = await openStore(await tempDir());
    const writes = await Promise.all(
      Array.from({ length: 500 }, (_, i) => store.set(`k${i % 5}`, text(String(i)))),
    );
    expect(writes.map((w) => w.revision).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    for (let k = 0; k < 5; k++) {
      const versions = writes
        .filter((_, i) => i % 5 === k)
        .map((w) => w.version)
        .sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(store.get(`k${k}`).entry?.version).toBe(100);
    }
    await store.close();
  });

  it('lists by prefix and by range in key order, with a limit and a continuation key', async () => {
    const store = await openStore(await tempDir());
    for (const key of ['app/b', 'app/a', 'app/c/1', 'apq', 'ap', 'b', 'app/c/2'])
      await store.set(key, text(key));
    const byPrefix = store.list({ span: { kind: 'prefix', prefix: 'app/' }, limit: 2, count: true });
    expect(byPrefix.entries.map((e) => e.key)).toEqual(['app/a', 'app/b']);
    expect(byPrefix.next).toBe('app/b');
    expect(byPrefix.count).toBe(4);
    const page2 = store.list({ span: { kind: 'prefix', prefix: 'app/' }, limit: 2, after: byPrefix.next });
    expect(page2.entries.map((e) => e.key)).toEqual(['app/c/1', 'app/c/2']);
    expect(page2.next).toBeUndefined();
    const range = store.list({ span: { kind: 'range', start: 'app/b', end: 'b' } });
    expect(range.entries.map((e) => e.key)).toEqual(['app/b', 'app/c/1', 'app/c/2', 'apq']);
    const open = store.list({ span: { kind: 'range', start: 'apq', end: null } });
    expect(open.entries.map((e) => e.key)).toEqual(['apq', 'b']);
    expect(store.list().entries).toHaveLength(7);
    await store.close();
  });
});

describe('KvStore: validation', () => {
  it('refuses bad input with the field and the limit in the message, and writes nothing', async () => {
    const store = await openStore(await tempDir());
    await store.set('kept', text('safe'));
    const cases: [() => unknown, RegExp][] = [
      [() => store.set('', text('x')), /^key: must not be empty \(1\.\.4096 bytes\)/],
      [() => store.set('k'.repeat(5 * 1024), text('x')), /^key: is 5120 bytes, over the limit of 4096 bytes/],
      [() => store.set('é'.repeat(2049), text('x')), /^key: is 4098 bytes, over the limit of 4096 bytes/],
      [() => store.set('bad\ud800', text('x')), /^key: is not valid UTF-8/],
      [
        () => store.set('k', Buffer.alloc(2 * 1024 * 1024)),
        /^value: is 2097152 bytes, over the limit of 1048576 bytes \(1 MiB\)/,
      ],
      [
        () => store.set('k', text('x'), { ttlMs: 0 }),
        /^ttl_ms: is 0; must be a whole number of milliseconds from 1 to 31536000000 \(365d\)/,
      ],
      [() => store.set('k', text('x'), { ttlMs: -5 }), /^ttl_ms: is -5/],
      [() => store.set('k', text('x'), { ttlMs: 1.5 }), /^ttl_ms: is 1.5/],
      [() => store.set('k', text('x'), { ttlMs: 366 * 86_400_000 }), /^ttl_ms: .* \(365d\)/],
      [() => store.list({ limit: 10_001 }), /^limit: is 10001; must be from 0 \(server default\) to 10000/],
      [() => store.get(''), /^key: must not be empty/],
    ];
    for (const [call, message] of cases) {
      const error = await (async () => call())().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, String(message)).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(message);
    }
    expect(store.revision).toBe(1);
    expect(textOf(store, 'kept')).toBe('safe');
    await store.close();
  });

  it('applies configured limits', async () => {
    const store = await openStore(await tempDir(), { limits: { maxKeyBytes: 8, maxValueBytes: 4 } });
    await expect(store.set('123456789', text('x'))).rejects.toThrow(/over the limit of 8 bytes/);
    await expect(store.set('k', text('12345'))).rejects.toThrow(/over the limit of 4 bytes/);
    await store.set('12345678', text('1234'));
    await store.close();
  });
});

describe('KvStore: durability and recovery', () => {
  it('rebuilds by full replay the same state the live projection held', async () => {
    const dir = await tempDir();
    const store = await openStore(dir, { checkpoint: { everyRevisions: 0, intervalMs: 0 } });
    for (let i = 0; i < 2000; i++) {
      const key = `k/${i % 97}`;
      if (i % 7 === 3) await store.delete(key);
      else await store.set(key, Buffer.from([i & 0xff, (i >> 8) & 0xff, 0xff]));
    }
    const live = dump(store);
    const revision = store.revision;
    await store.close();
    for (const name of await readdir(join(dir, 'checkpoints')))
      await writeFile(join(dir, 'checkpoints', name), 'damaged');

    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const replayed = await openStore(dir, { logger });
    expect(replayed.revision).toBe(revision);
    expect(dump(replayed)).toEqual(live);
    expect(warnings.join('')).toMatch(/checkpoint is damaged; skipped/);
    await replayed.close();
  });

  it('starts from the newest checkpoint and replays only the tail, to the same state', async () => {
    const dir = await tempDir();
    const store = await openStore(dir, { checkpoint: { everyRevisions: 0, intervalMs: 0 } });
    for (let i = 0; i < 300; i++) await store.set(`k${i % 50}`, text(String(i)));
    await store.checkpoint();
    for (let i = 300; i < 400; i++) await store.set(`k${i % 60}`, text(String(i)));
    const live = dump(store);
    // Simulate a crash after the checkpoint: drop the store without its closing checkpoint.
    const logs: string[] = [];
    await store.eventLog.close();
    await (store as unknown as { parts: { dir: { release(): Promise<void> } } }).parts.dir.release();

    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(line) });
    const reopened = await openStore(dir, { logger });
    expect(dump(reopened)).toEqual(live);
    const replayed = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'replayed log');
    expect(replayed).toMatchObject({ from: 301, to: 400, records: 100 });
    await reopened.close();
  });

  it('refuses a second store on the same data directory', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    await expect(openStore(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    await store.close();
    const again = await openStore(dir);
    await again.close();
  });

  it('refuses a foreign file at the log path without touching it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'log.sqlite'), 'not a database at all, but precious to someone');
    await expect(openStore(dir)).rejects.toThrow(`${join(dir, 'log.sqlite')}: is not a kvstore log`);
    // The failed open released the lock: a second try reaches the same file check, not DataDirLockedError.
    await expect(openStore(dir)).rejects.toThrow(/not a kvstore log/);
  });
});

describe('KvStore: TTL', () => {
  it('hides a key from its deadline on, then writes an EXPIRE event', async () => {
    const dir = await tempDir();
    const store = await openStore(dir, { expiry: { intervalMs: 20 } });
    const put = await store.set('session', text('token'), { ttlMs: 150 });
    await store.set('forever', text('x'));
    expect(put.expiresAt).toBeGreaterThan(Date.now());
    expect(textOf(store, 'session')).toBe('token');
    while (Date.now() < put.expiresAt) await new Promise((r) => setTimeout(r, 5));
    expect(store.get('session').entry).toBeUndefined();
    expect(store.list().entries.map((e) => e.key)).toEqual(['forever']);
    for (let i = 0; i < 100 && store.revision < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(store.revision).toBe(3);
    await store.close();
    const records = await logRecords(dir);
    expect(records[2]!.events).toEqual([{ type: 'expire', key: 'session', prevRevision: 1 }]);
    expect(records[2]!.timeMs).toBeGreaterThanOrEqual(put.expiresAt);
  });

  it('expires at start-up a key whose deadline passed while the store was down', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    const put = await store.set('short', text('x'), { ttlMs: 100 });
    await store.set('long', text('y'), { ttlMs: 3_600_000 });
    await store.close();
    while (Date.now() <= put.expiresAt) await new Promise((r) => setTimeout(r, 10));

    const reopened = await openStore(dir);
    expect(reopened.get('short').entry).toBeUndefined();
    expect(textOf(reopened, 'long')).toBe('y');
    expect(reopened.revision).toBe(3);
    await reopened.close();
    const records = await logRecords(dir);
    expect(records.at(-1)!.events).toEqual([{ type: 'expire', key: 'short', prevRevision: 1 }]);
  });

  it('starts a new incarnation when an expired key is written before the sweeper ran', async () => {
    const dir = await tempDir();
    const store = await openStore(dir, { expiry: { intervalMs: 60_000 } });
    await store.set('k', text('old'), { ttlMs: 50 });
    await new Promise((r) => setTimeout(r, 80));
    const put = await store.set('k', text('new'));
    expect(put).toMatchObject({ revision: 2, createRevision: 2, version: 1 });
    await store.close();
    const records = await logRecords(dir);
    expect(records[1]!.events.map((e) => e.type)).toEqual(['expire', 'put']);
  });
});
