import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordKeyId } from '../../src/log/codec.js';
import { SqliteConnection } from '../../src/log/sqlite/sqlite-connection.js';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, serveArgs, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const SECRET = 'server-canary-b5c27e';
const b64 = () => randomBytes(32).toString('base64');

let running: ServerProcess | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

/** Every byte of the data directory's log and checkpoints, and of the given files. */
async function bytesOf(dataDir: string, more: string[] = []): Promise<Buffer[]> {
  const files = [join(dataDir, 'log.sqlite'), join(dataDir, 'log.sqlite-wal'), ...more];
  for (const name of await readdir(join(dataDir, 'checkpoints')))
    files.push(join(dataDir, 'checkpoints', name));
  return Promise.all(files.map((f) => readFile(f).catch(() => Buffer.alloc(0))));
}

/** Waits until the server has logged a line whose message contains `text`. */
async function logged(server: ServerProcess, text: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const line = server.logs.find((l) => String(l.msg).includes(text));
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`the server did not log "${text}" within 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function recordKeys(dataDir: string): Promise<(string | null)[]> {
  const db = await SqliteConnection.open(join(dataDir, 'log.sqlite'), 'readonly');
  try {
    const rows = await db.all<{ record: Buffer }>('SELECT record FROM log ORDER BY revision');
    return rows.map((r) => recordKeyId(r.record));
  } finally {
    await db.close();
  }
}

describe('encryption at rest, with the real server and CLI', () => {
  it('takes a new current key from the edited key file without a restart, and refuses an edit that drops a key', async () => {
    const dir = await tempDir();
    const data = join(dir, 'data');
    const [k1, k2] = [b64(), b64()];
    const keys = join(dir, 'keys.yaml');
    await writeFile(keys, `k1: ${k1}\n`, { mode: 0o600 });
    running = await startServerProcess(data, [
      '--security-encryption-key-file',
      keys,
      '--security-reload-interval',
      '100ms',
    ]);
    const env = { KVSTORE_ADDR: running.addr };
    expect((await kvstore(['set', 'a', `${SECRET}-1`], { env })).code).toBe(0);
    // Edits land whole (written aside, then renamed), as an editor saves: the reload polls every 100 ms and
    // must not read a half-written file (it would keep the old keys and log why, which is not what is tested).
    await replaceFile(keys, `k1: ${k1}\nk2: ${k2}\ncurrent: k2\n`);
    expect((await logged(running, 'encryption keys reloaded')).current).toBe('k2');
    expect((await kvstore(['set', 'b', `${SECRET}-2`], { env })).code).toBe(0);
    await replaceFile(keys, `k2: ${k2}\n`);
    expect(String((await logged(running, 'not reloaded')).msg)).toMatch(/key "k1" was removed/);
    expect((await kvstore(['get', 'a'], { env })).stdout.trim()).toBe(`${SECRET}-1`);
    expect(await running.stop()).toBe(0);
    running = null;
    // One record per set: the first sealed under k1, the second under k2.
    expect((await recordKeys(data)).slice(0, 2)).toEqual(['k1', 'k2']);
  });

  it('seals what kvstore serve writes, refuses a wrong or missing key, rotates, re-encrypts and restores', async () => {
    const dir = await tempDir();
    const data = join(dir, 'data');
    const [k1, k1wrong, k2] = [b64(), b64(), b64()];
    const keys1 = join(dir, 'keys-1.yaml');
    const keys21 = join(dir, 'keys-2-1.yaml');
    const keys2 = join(dir, 'keys-2.yaml');
    await writeFile(keys1, `k1: ${k1}\n`, { mode: 0o600 });
    await writeFile(keys21, `k1: ${k1}\nk2: ${k2}\ncurrent: k2\n`, { mode: 0o600 });
    await writeFile(keys2, `k2: ${k2}\n`, { mode: 0o600 });
    const backup = join(dir, 'full.kvb');

    running = await startServerProcess(data, ['--security-encryption-key-file', keys1]);
    const env = { KVSTORE_ADDR: running.addr };
    for (let i = 0; i < 5; i++) {
      const set = await kvstore(['set', `secret/${i}`, `${SECRET}-${i}`], { env });
      expect(set.code, set.stderr).toBe(0);
    }
    const backedUp = await kvstore(['backup', '--out', backup], { env });
    expect(backedUp.code, backedUp.stderr).toBe(0);
    expect(await running.stop()).toBe(0);
    running = null;
    expect((await bytesOf(data, [backup])).some((b) => b.includes(SECRET))).toBe(false);

    // A wrong key under the same id, and no key at all: the server does not start.
    const wrong = await kvstore([...serveArgs(data)], { env: { KVSTORE_ENCRYPTION_KEY: `k1:${k1wrong}` } });
    expect(wrong.code).toBe(3);
    expect(wrong.stdout + wrong.stderr).toMatch(/fails AES-256-GCM authentication under key "k1"/);
    const missing = await kvstore([...serveArgs(data)]);
    expect(missing.code).toBe(3);
    expect(missing.stdout + missing.stderr).toMatch(
      /encrypted with key "k1", but no encryption key is configured/,
    );

    // Rotation: k2 current, k1 kept; old records read, new ones sealed under k2.
    running = await startServerProcess(data, [], { KVSTORE_SECURITY_ENCRYPTION_KEY_FILE: keys21 });
    const got = await kvstore(['get', 'secret/3'], { env: { KVSTORE_ADDR: running.addr } });
    expect(got.stdout.trim()).toBe(`${SECRET}-3`);
    expect(
      (await kvstore(['set', 'secret/new', `${SECRET}-new`], { env: { KVSTORE_ADDR: running.addr } })).code,
    ).toBe(0);
    await running.stop();
    running = null;

    // Re-encrypt offline under k2; then k1 can go.
    const re = await kvstore(['reencrypt', '--data-dir', data, '--encryption-key-file', keys21]);
    expect(re.code, re.stderr).toBe(0);
    expect(re.stdout).toMatch(/5 rewritten.*sealed under key "k2"/s);
    // kvstore check opens every record: with k2 alone it finds nothing wrong; without a key it says which.
    const checked = await kvstore(['check', '--data-dir', data, '--encryption-key-file', keys2]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    const unchecked = await kvstore(['check', '--data-dir', data]);
    expect(unchecked.code).toBe(2);
    expect(unchecked.stderr).toMatch(/encrypted with key "k2", but no encryption key is configured/);
    running = await startServerProcess(data, ['--security-encryption-key-file', keys2]);
    const after = await kvstore(['get', 'secret/new'], { env: { KVSTORE_ADDR: running.addr } });
    expect(after.stdout.trim()).toBe(`${SECRET}-new`);
    await running.stop();
    running = null;

    // The backup (sealed under k1) restores only with k1.
    const noKey = await kvstore(['restore', '--in', backup, '--data-dir', join(dir, 'r1')]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/encrypted with key "k1"/);
    const restored = await kvstore([
      'restore',
      '--in',
      backup,
      '--data-dir',
      join(dir, 'r2'),
      '--encryption-key-file',
      keys21,
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    expect((await bytesOf(join(dir, 'r2'))).some((b) => b.includes(SECRET))).toBe(false);
    running = await startServerProcess(join(dir, 'r2'), ['--security-encryption-key-file', keys21]);
    const fromBackup = await kvstore(['get', 'secret/4'], { env: { KVSTORE_ADDR: running.addr } });
    expect(fromBackup.stdout.trim()).toBe(`${SECRET}-4`);
  });
});

/** Replaces `path` in one step: the new text is written beside it, then renamed over it. */
async function replaceFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.new`, text, { mode: 0o600 });
  await rename(`${path}.new`, path);
}
