import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HashKVResponse__Output } from '../../src/api/generated/kvstore/v1/HashKVResponse.js';
import type { SetResponse__Output } from '../../src/api/generated/kvstore/v1/SetResponse.js';
import type { StatusResponse__Output } from '../../src/api/generated/kvstore/v1/StatusResponse.js';
import { kvstore } from '../helpers/cli.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

let server: ServerProcess;
let work: string;
const run = (args: string[], addr = server.addr, input?: string) =>
  kvstore(args, { env: { KVSTORE_ADDR: addr }, input });
const json = async (args: string[], addr = server.addr) => {
  const result = await run([...args, '--json'], addr);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

/** Setup and checks go over gRPC directly: only the commands under test pay for starting a process. */
async function withApi<T>(addr: string, fn: (api: ReturnType<typeof clients>) => Promise<T>): Promise<T> {
  const api = clients(addr);
  try {
    return await fn(api);
  } finally {
    api.close();
  }
}

async function setMany(prefix: string, n: number, addr = server.addr): Promise<void> {
  await withApi(addr, (api) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        unaryCall((cb) =>
          api.kv.Set(
            { key: `${prefix}/${String(i).padStart(3, '0')}`, value: Buffer.from(`${prefix} value ${i}`) },
            cb,
          ),
        ),
      ),
    ),
  );
}

const set = (key: string, value: string | Buffer, addr = server.addr) =>
  withApi(addr, (api) =>
    unaryCall<SetResponse__Output>((cb) => api.kv.Set({ key, value: Buffer.from(value) }, cb)),
  );
const del = (key: string) => withApi(server.addr, (api) => unaryCall((cb) => api.kv.Delete({ key }, cb)));
const hashOf = async (addr = server.addr) => {
  const r = await withApi(addr, (api) => unaryCall<HashKVResponse__Output>((cb) => api.admin.HashKV({}, cb)));
  return { hash: r.hash, revision: r.hash_revision, keys: r.keys };
};
const statusOf = () =>
  withApi(server.addr, (api) => unaryCall<StatusResponse__Output>((cb) => api.admin.Status({}, cb)));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kvstore-backup-cli-'));
  server = await startServerProcess(join(work, 'source'));
});

afterAll(async () => {
  await server.stop();
});

describe('kvstore backup, restore, hash, compact, status', () => {
  it('restores a backup into a new data directory that serves the same HashKV', async () => {
    await setMany('a', 50);
    await set('bin', Buffer.from([0, 0xff]));
    const atBackup = await json(['hash']);
    const full = join(work, 'full.kvb');
    const backup = await run(['backup', '--out', full]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/full backup: the state at revision \d+.*verified/);
    expect(backup.stderr).toMatch(/^backup: \d+ items in [\d.]+ s \([\d,]+ items\/s\)$/m);
    await setMany('b', 30);
    const incr = join(work, 'incr.kvb');
    expect(
      (await run(['backup', '--out', incr, '--from-revision', String(Number(atBackup.revision) + 1)])).code,
    ).toBe(0);
    const live = await hashOf();

    const dir = join(await tempDir(), 'restored');
    const restored = await json(['restore', '--in', full, '--in', incr, '--data-dir', dir]);
    expect(restored).toMatchObject({ revision: live.revision, hash: live.hash, keys: live.keys });
    const atR = await json(['restore', '--in', full, '--data-dir', join(dir, '..', 'at-r')]);
    expect(atR).toMatchObject({ revision: atBackup.revision, hash: atBackup.hash });

    const copy = await startServerProcess(dir);
    try {
      expect(await hashOf(copy.addr)).toEqual(live);
      expect((await run(['get', 'a/007'], copy.addr)).stdout).toBe('a value 7');
      // The restored store continues the revisions: the next write is the one after the source's.
      expect((await set('x', '1', copy.addr)).header!.revision).toBe(live.revision + 1);
    } finally {
      await copy.stop();
    }
  });

  it('refuses a flipped byte or a truncated file with the offset, and restores nothing', async () => {
    const full = join(work, 'for-damage.kvb');
    expect((await run(['backup', '--out', full])).code).toBe(0);
    const bytes = await readFile(full);
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0x01;
    await writeFile(join(work, 'flipped.kvb'), flipped);
    await writeFile(join(work, 'short.kvb'), bytes.subarray(0, bytes.length - 33));
    for (const name of ['flipped.kvb', 'short.kvb']) {
      const dir = join(await tempDir(), 'never');
      const result = await run(['restore', '--in', join(work, name), '--data-dir', dir]);
      expect(result.code, name).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`${name}: byte offset \\d+: .*; nothing was restored`));
      await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    }
    const existing = await run(['backup', '--out', full]);
    expect(existing).toMatchObject({ code: 2 });
    expect(existing.stderr).toMatch(/exists; choose another name, or pass --force/);
  });

  it('compacts on request: status shows the compact revision, reads are unaffected, old revisions are refused', async () => {
    await setMany('c', 20);
    const before = await run(['list', '--prefix', 'c/']);
    const target = (await statusOf()).header!.revision - 5;
    const compacted = await run(['compact', String(target)]);
    expect(compacted).toMatchObject({ code: 0 });
    expect(compacted.stdout).toMatch(new RegExp(`history before revision ${target} dropped`));
    const after = await json(['status']);
    expect(after).toMatchObject({ compact_revision: target });
    expect(Number(after.log_bytes)).toBeGreaterThan(0);
    expect(await run(['list', '--prefix', 'c/'])).toEqual(before);

    const again = await run(['compact', String(target)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`revision: ${target} has already been compacted`));
    const beyond = await run(['compact', '99999999999999999999']);
    expect(beyond.code).toBe(2);
    expect(beyond.stderr).toMatch(/revision: \d+ is beyond the store's current revision \d+/);
    const old = await run(['backup', '--out', join(work, 'old.kvb'), '--from-revision', '1']);
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(
      new RegExp(`from_revision: revision 1 has been compacted; the oldest available is ${target}`),
    );
    await expect(stat(join(work, 'old.kvb.partial'))).rejects.toMatchObject({ code: 'ENOENT' });
    const hash = await run(['hash', '--revision', '2']);
    expect(hash.code).toBe(2);
  });
});

describe('kvstore export and import', () => {
  it('moves the keys to another server and back as JSON Lines', async () => {
    const target = await startServerProcess(join(await tempDir(), 'target'));
    try {
      await withApi(server.addr, (api) =>
        unaryCall((cb) => api.kv.Set({ key: 'ttl/key', value: Buffer.from('soon'), ttl_ms: 3_600_000 }, cb)),
      );
      const exported = await run(['export', '--format', 'jsonl']);
      expect(exported.code, exported.stderr).toBe(0);
      const lines = exported.stdout.trim().split('\n');
      expect(lines.length).toBeGreaterThan(50);
      expect(JSON.parse(lines[0]!)).toHaveProperty('create_revision');
      const imported = await run(['import'], target.addr, exported.stdout);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toMatch(new RegExp(`imported ${lines.length} puts`));
      // Concurrent Sets went as batches (SetMany): fewer revisions than keys.
      const [, first, last] = /\(revisions (\d+)\.\.(\d+)\)/.exec(imported.stdout)!;
      expect(Number(last) - Number(first) + 1).toBeLessThan(lines.length);
      const strip = (text: string) =>
        text
          .trim()
          .split('\n')
          .map((l) => {
            const { key, value, value_base64, expires_at } = JSON.parse(l);
            return JSON.stringify({ key, value, value_base64, ttl: expires_at !== null });
          });
      const back = await run(['export', '--format', 'jsonl'], target.addr);
      expect(strip(back.stdout)).toEqual(strip(exported.stdout));
    } finally {
      await target.stop();
    }
  });

  it('exports the history from a revision, and replays it into another server', async () => {
    const target = await startServerProcess(join(await tempDir(), 'history-target'));
    try {
      const from = (await statusOf()).header!.revision + 1;
      await set('h/a', '1');
      await set('h/b', '2');
      await set('h/a', '3');
      await del('h/b');
      const history = await run([
        'export',
        '--format',
        'jsonl',
        '--history',
        '--from-revision',
        String(from),
      ]);
      expect(history.code, history.stderr).toBe(0);
      const events = history.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(events.map((e) => [e.revision - from, e.type, e.key, e.value])).toEqual([
        [0, 'put', 'h/a', '1'],
        [1, 'put', 'h/b', '2'],
        [2, 'put', 'h/a', '3'],
        [3, 'delete', 'h/b', undefined],
      ]);
      const out = join(work, 'history.jsonl');
      await writeFile(out, history.stdout);
      const replayed = await run(['import', '--history', '--in', out], target.addr);
      expect(replayed.code, replayed.stderr).toBe(0);
      expect(replayed.stdout).toMatch(/imported 3 puts and 1 deletes \(revisions 1\.\.4\)/);
      expect((await run(['get', 'h/a'], target.addr)).stdout).toBe('3');
      expect((await run(['get', 'h/b'], target.addr)).code).toBe(1);
      const refused = await run(['import', '--in', out], target.addr);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/line 1: an event of a history .* --history/);
    } finally {
      await target.stop();
    }
  });
});
