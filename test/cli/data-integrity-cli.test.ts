import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { SetResponse__Output } from '../../src/api/generated/kvstore/v1/SetResponse.js';
import { checkpointFileName } from '../../src/store/checkpointer.js';
import { KvStore } from '../../src/store/kv-store.js';
import { kvstore } from '../helpers/cli.js';
import { flipValueInRecord, flipValueOnDisk, withLogDb } from '../helpers/log-damage.js';
import { clients, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { recordWatch } from '../helpers/watch-client.js';

const valueFor = (i: number) => `cli-value-${String(i).padStart(4, '0')}-that-rots`;

/** A data directory with keys 0..n-1 (key i at revision i + 1), closed. */
async function dataDir(n: number): Promise<string> {
  const dir = await tempDir();
  const store = await KvStore.open({ dataDir: dir, durability: 'relaxed' });
  for (let i = 0; i < n; i++) await store.set(`k/${i}`, Buffer.from(valueFor(i)));
  await store.close();
  return dir;
}

async function setOver(addr: string, key: string): Promise<SetResponse__Output> {
  const api = clients(addr);
  try {
    return await unaryCall<SetResponse__Output>((cb) => api.kv.Set({ key, value: Buffer.from('v') }, cb));
  } finally {
    api.close();
  }
}

describe('kvstore check', () => {
  it('exits 0 on a sound directory and 5 naming each damaged record and the file', async () => {
    const dir = await dataDir(40);
    const clean = await kvstore(['check', '--data-dir', dir]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(`no problems found in ${dir}`);

    await flipValueOnDisk(dir, valueFor(9));
    const damaged = await kvstore(['check', '--data-dir', dir]);
    expect(damaged.code).toBe(5);
    expect(damaged.stdout).toContain(
      `PROBLEM ${join(dir, 'log.sqlite')}: record at revision 10: fails its checksum`,
    );
    expect(damaged.stderr).toContain(`1 problem found in ${dir}`);
  });

  it('refuses a directory a running store holds, and a directory that is not a data directory', async () => {
    const dir = await dataDir(3);
    const store = await KvStore.open({ dataDir: dir, durability: 'relaxed' });
    try {
      const busy = await kvstore(['check', '--data-dir', dir]);
      expect(busy.code).toBe(3);
      expect(busy.stderr).toMatch(/in use by process \d+.*stop the server first/);
    } finally {
      await store.close();
    }
    const empty = await kvstore(['check', '--data-dir', await tempDir()]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/holds no log\.sqlite: not a kvstore data directory/);
  });
});

describe('the server and a damaged or truncated log', () => {
  it('a backup through the server fails on a record damaged after start-up, and writes no file', async () => {
    const dir = await dataDir(30);
    const server = await startServerProcess(dir);
    try {
      await flipValueInRecord(dir, 12, valueFor(11));
      const out = join(await tempDir(), 'incremental.kvb');
      const result = await kvstore(['backup', '--out', out, '--from-revision', '1'], {
        env: { KVSTORE_ADDR: server.addr },
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(
        `${join(dir, 'log.sqlite')}: record at revision 12: fails its checksum`,
      );
      expect(await readdir(join(out, '..'))).toEqual([]);

      // A watcher catching up through it is told the data is lost (DATA_LOSS), naming the record.
      const api = clients(server.addr);
      try {
        const watch = recordWatch(api.kv, { prefix: 'k/', start_revision: 1 });
        const error = await watch.ended();
        expect(error && status[error.code]).toBe('DATA_LOSS');
        expect(error!.details).toContain('record at revision 12: fails its checksum');
      } finally {
        api.close();
      }
    } finally {
      await server.stop();
    }
  });

  it('serve refuses a log shorter than a checkpoint; --accept-log-truncation continues after it', async () => {
    const dir = await dataDir(30); // closing wrote a checkpoint at 30
    await withLogDb(dir, (db) => db.run('DELETE FROM log WHERE revision > 20'));

    const refused = await kvstore([
      'serve',
      '--data-dir',
      dir,
      '--grpc-listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      '--log-format',
      'json',
    ]);
    expect(refused.code).toBe(3); // cannot start: the data directory cannot be used
    expect(refused.stderr).toContain('revisions 21..30 are lost from the log');
    expect(refused.stderr).toContain(checkpointFileName(30));
    expect(refused.stderr).toContain('--accept-log-truncation');

    const server = await startServerProcess(dir, ['--accept-log-truncation']);
    try {
      expect(server.logs.some((l) => String(l.msg).startsWith('ACCEPTED LOG TRUNCATION'))).toBe(true);
      expect((await setOver(server.addr, 'after')).header?.revision).toBe(31);
    } finally {
      await server.stop();
    }
  });
});
