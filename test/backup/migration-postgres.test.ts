import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restore } from '../../src/backup/restore.js';
import { type LogUrl, parseLogUrl } from '../../src/log/log-url.js';
import { KvStore } from '../../src/store/kv-store.js';
import { writeBackup } from '../helpers/backup.js';
import { dumpState, writeHistory } from '../helpers/history.js';
import { type NatsServer, natsServer } from '../helpers/nats-server.js';
import { type TestDatabase, testDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

let nats: NatsServer;
let natsDir: string;
let db: TestDatabase;

beforeAll(async () => {
  natsDir = await mkdtemp(join(tmpdir(), 'kvstore-migration-pg-'));
  nats = await natsServer(natsDir);
  await nats.start();
  db = await testDatabase();
});

afterAll(async () => {
  await nats?.stop();
  await rm(natsDir, { recursive: true, force: true });
  await db?.drop();
});

const onSqlite = (dataDir: string) => KvStore.open({ dataDir, durability: 'relaxed' });
const onLog = (dataDir: string, log: LogUrl) => KvStore.open({ dataDir, log });

describe('moving a store between backends through PostgreSQL', () => {
  it('SQLite -> PostgreSQL -> JetStream -> SQLite keeps every revision and the HashKV', async () => {
    const dir = await tempDir();
    const source = await onSqlite(join(dir, 'source'));
    await writeHistory(source, 200, 1);
    await writeBackup(source, 0, join(dir, 'full.kvb'));
    const base = source.revision;
    await writeHistory(source, 100, 2);
    await writeBackup(source, base + 1, join(dir, 'incr.kvb'));
    const atSource = await source.hashKv();
    const stateAtSource = dumpState(source);
    await source.close();

    // SQLite -> PostgreSQL: the table begins after the full backup's state.
    const pgUrl = parseLogUrl(db.url('migrated'));
    const intoPg = await restore({
      inputs: [join(dir, 'full.kvb'), join(dir, 'incr.kvb')],
      dataDir: join(dir, 'pg-node'),
      logUrl: pgUrl,
    });
    expect(intoPg).toMatchObject({
      revision: atSource.revision,
      hash: atSource.hash,
      compactRevision: base + 1,
      logUrl: db.url('migrated'),
    });
    const rows = await db.query<{ n: string; min: string; max: string }>(
      'SELECT count(*) AS n, min(revision) AS min, max(revision) AS max FROM migrated',
    );
    expect(rows.rows[0]).toEqual({
      n: String(atSource.revision - base),
      min: String(base + 1),
      max: String(atSource.revision),
    });
    const onPg = await onLog(join(dir, 'pg-node'), pgUrl);
    expect(await onPg.hashKv()).toMatchObject({ revision: atSource.revision, hash: atSource.hash });
    expect(dumpState(onPg)).toEqual(stateAtSource);
    expect((await onPg.set('on/postgres', Buffer.from('x'))).revision).toBe(atSource.revision + 1);
    await onPg.delete('key/4');
    const atPg = await onPg.hashKv();
    const stateAtPg = dumpState(onPg);
    await writeBackup(onPg, 0, join(dir, 'pg-full.kvb'));
    await onPg.close();

    // A second restore into the same table is refused: its revisions are taken.
    await expect(
      restore({ inputs: [join(dir, 'pg-full.kvb')], dataDir: join(dir, 'again'), logUrl: pgUrl }),
    ).rejects.toThrow(/table migrated is not empty .*DROP TABLE migrated, migrated_meta, migrated_nodes/);

    // PostgreSQL -> JetStream.
    const natsUrl = parseLogUrl(`nats://127.0.0.1:${nats.port}/PGMIG_${process.pid}`);
    const intoStream = await restore({
      inputs: [join(dir, 'pg-full.kvb')],
      dataDir: join(dir, 'nats-node'),
      logUrl: natsUrl,
    });
    expect(intoStream).toMatchObject({ revision: atPg.revision, hash: atPg.hash });
    const onStream = await onLog(join(dir, 'nats-node'), natsUrl);
    expect(await onStream.hashKv()).toMatchObject({ revision: atPg.revision, hash: atPg.hash });
    expect(dumpState(onStream)).toEqual(stateAtPg);
    await writeBackup(onStream, 0, join(dir, 'nats-full.kvb'));
    await onStream.close();

    // JetStream -> SQLite: back where it started, with the same revisions and HashKV.
    const back = await restore({ inputs: [join(dir, 'nats-full.kvb')], dataDir: join(dir, 'back') });
    expect(back).toMatchObject({ revision: atPg.revision, hash: atPg.hash, logUrl: 'sqlite:' });
    const single = await onSqlite(join(dir, 'back'));
    expect(await single.hashKv()).toMatchObject({ revision: atPg.revision, hash: atPg.hash });
    expect(dumpState(single)).toEqual(stateAtPg);
    expect((await single.set('after/return', Buffer.from('y'))).revision).toBe(atPg.revision + 1);
    await single.close();
  }, 120_000);
});
