import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLogUrl } from '../../src/log/log-url.js';
import { KvStore } from '../../src/store/kv-store.js';
import { writeBackup } from '../helpers/backup.js';
import { kvstore } from '../helpers/cli.js';
import { writeHistory } from '../helpers/history.js';
import { type NatsServer, natsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp-dir.js';

let nats: NatsServer;
let storeDir: string;

beforeAll(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'kvstore-restore-cli-nats-'));
  nats = await natsServer(storeDir);
  await nats.start();
});

afterAll(async () => {
  await nats?.stop();
  await rm(storeDir, { recursive: true, force: true });
});

describe('kvstore restore --log-url', () => {
  it('restores into a new stream, refuses a used one, and check reads the node directory it wrote', async () => {
    const dir = await tempDir();
    const source = await KvStore.open({ dataDir: join(dir, 'source'), durability: 'relaxed' });
    await writeHistory(source, 120);
    await writeBackup(source, 0, join(dir, 'full.kvb'));
    const expected = await source.hashKv();
    await source.close();

    const url = `nats://127.0.0.1:${nats.port}/CLI_RESTORE_${process.pid}`;
    const node = join(dir, 'node');
    const ok = await kvstore([
      'restore',
      '--in',
      join(dir, 'full.kvb'),
      '--data-dir',
      node,
      '--log-url',
      url,
      '--json',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      log_url: url,
      data_dir: node,
      revision: expected.revision,
      hash: expected.hash,
      compact_revision: expected.revision + 1,
    });
    const store = await KvStore.open({ dataDir: node, log: parseLogUrl(url) });
    expect(await store.hashKv()).toMatchObject({ revision: expected.revision, hash: expected.hash });
    await store.close();

    const again = await kvstore([
      'restore',
      '--in',
      join(dir, 'full.kvb'),
      '--data-dir',
      join(dir, 'other'),
      '--log-url',
      url,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /stream CLI_RESTORE_\d+ is not empty .*nats stream rm .*nothing was restored/,
    );
    await expect(stat(join(dir, 'other'))).rejects.toThrow(/ENOENT/);

    const check = await kvstore(['check', '--data-dir', node]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(
      /no log\.sqlite in .*a cluster node's data directory, whose log is its JetStream stream/,
    );
    expect(check.stdout).toMatch(/checkpoint .*: revision \d+, ok/);
  });

  it('refuses a bad --log-url with exit code 2, naming the flag', async () => {
    const dir = await tempDir();
    // Flags are checked before any file is read: an empty file passes the --in check.
    await writeFile(join(dir, 'empty.kvb'), '');
    const cases = [
      ['nats://127.0.0.1:4222', /names no stream/],
      ['mysql://db/kv', /is not a log URL/],
      ['nats://127.0.0.1:4222/S?replicas=9', /replicas must be a whole number from 1 to 5/],
    ] as const;
    for (const [bad, why] of cases) {
      const r = await kvstore([
        'restore',
        '--in',
        join(dir, 'empty.kvb'),
        '--data-dir',
        join(dir, 'd'),
        '--log-url',
        bad,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^kvstore: --log-url: /);
      expect(r.stderr).toMatch(why);
    }
    await expect(stat(join(dir, 'd'))).rejects.toThrow(/ENOENT/);
  });
});
