import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupFormatError } from '../../src/backup/backup-format.js';
import { restore } from '../../src/backup/restore.js';
import { RestorePlanError } from '../../src/backup/restore-plan.js';
import { type LogUrl, parseLogUrl } from '../../src/log/log-url.js';
import { DataDirStateError } from '../../src/store/errors.js';
import { KvStore } from '../../src/store/kv-store.js';
import { writeBackup } from '../helpers/backup.js';
import { dumpState, writeHistory } from '../helpers/history.js';
import { type NatsServer, natsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp-dir.js';

let nats: NatsServer;
let storeDir: string;
let streams = 0;

beforeAll(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'kvstore-migration-nats-'));
  nats = await natsServer(storeDir);
  await nats.start();
});

afterAll(async () => {
  await nats?.stop();
  await rm(storeDir, { recursive: true, force: true });
});

const newStream = (): LogUrl =>
  parseLogUrl(`nats://127.0.0.1:${nats.port}/MIGRATION${++streams}_${process.pid}`);
const onSqlite = (dataDir: string) => KvStore.open({ dataDir, durability: 'relaxed' });
const onStream = (dataDir: string, log: LogUrl) => KvStore.open({ dataDir, log });
const streamName = (url: LogUrl) => (url.scheme === 'nats' ? url.stream : '');

/** The stream's state as JetStream reports it (messages, sequences, bytes). */
async function streamState(url: LogUrl) {
  const nc = await connect({ servers: nats.url });
  try {
    const { state } = await (await nc.jetstreamManager()).streams.info(streamName(url));
    return { messages: state.messages, first: state.first_seq, last: state.last_seq, bytes: state.bytes };
  } finally {
    await nc.close();
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Puts, overwrites, deletes, TTLs, a transaction and an expiry the sweeper writes. */
async function writeMixed(store: KvStore, seed: number): Promise<void> {
  await writeHistory(store, 150, seed);
  await store.txn({
    compares: [{ key: `txn/${seed}/a`, target: 'version', op: 'equal', operand: 0 }],
    success: [
      { type: 'set', key: `txn/${seed}/a`, value: Buffer.from('in a txn') },
      { type: 'set', key: `txn/${seed}/b`, value: Buffer.from([0, 1, 2]), ttlMs: 3_600_000 },
      { type: 'delete', key: 'key/3' },
    ],
    failure: [],
  });
  const before = (await store.set(`short/${seed}`, Buffer.from('gone soon'), { ttlMs: 50 })).revision;
  // The sweeper appends the EXPIRE event: a record of its own in the history the backup copies.
  await waitFor(() => store.revision > before, 'the expiry of a short TTL');
}

describe('moving a store between backends with backup and restore', () => {
  it('SQLite -> JetStream -> SQLite keeps every revision and the HashKV', async () => {
    const dir = await tempDir();
    const source = await onSqlite(join(dir, 'source'));
    await writeMixed(source, 1);
    await writeBackup(source, 0, join(dir, 'full.kvb'));
    const base = source.revision;
    await writeMixed(source, 2);
    await writeBackup(source, base + 1, join(dir, 'incr.kvb'));
    const atSource = await source.hashKv();
    const stateAtSource = dumpState(source);
    await source.close();

    // Into a fresh stream: the stream begins after the full backup's state, the data dir gets its checkpoint.
    const url = newStream();
    const node1 = join(dir, 'node1');
    const intoStream = await restore({
      inputs: [join(dir, 'full.kvb'), join(dir, 'incr.kvb')],
      dataDir: node1,
      logUrl: url,
    });
    expect(intoStream).toMatchObject({
      revision: atSource.revision,
      hash: atSource.hash,
      keys: atSource.keys,
      compactRevision: base + 1,
      records: atSource.revision - base,
    });
    expect(await streamState(url)).toMatchObject({
      messages: atSource.revision - base,
      first: base + 1,
      last: atSource.revision,
    });
    await expect(stat(join(node1, 'log.sqlite'))).rejects.toThrow(/ENOENT/);

    const clustered = await onStream(node1, url);
    expect(await clustered.hashKv()).toMatchObject({ revision: atSource.revision, hash: atSource.hash });
    expect(dumpState(clustered)).toEqual(stateAtSource);
    expect(clustered.status().compactRevision).toBe(base + 1);

    // A second node with an empty data dir cannot start (the stream begins at base + 1) and says what to do;
    // with the restored node's checkpoints copied in, it starts on the same state.
    const node2 = join(dir, 'node2');
    const refused = await onStream(node2, url).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DataDirStateError);
    expect((refused as Error).message).toMatch(
      /copy the checkpoints\/ directory of a node that runs on this stream/,
    );
    await cp(join(node1, 'checkpoints'), join(node2, 'checkpoints'), { recursive: true });
    const second = await onStream(node2, url);
    expect(await second.hashKv()).toMatchObject({ revision: atSource.revision, hash: atSource.hash });

    // Revisions continue after the source's: the next write through either node is the next revision.
    const next = await clustered.set('after/migration', Buffer.from('x'));
    expect(next.revision).toBe(atSource.revision + 1);
    await second.caughtUp();
    expect(second.revision).toBe(next.revision);
    await clustered.delete('key/4');
    const atStream = await clustered.hashKv();
    const stateAtStream = dumpState(clustered);
    await writeBackup(clustered, 0, join(dir, 'back-full.kvb'));
    // An incremental taken on JetStream continues the full backup taken on SQLite.
    await writeBackup(clustered, base + 1, join(dir, 'back-incr.kvb'));
    await second.close();
    await clustered.close();

    const back = await restore({ inputs: [join(dir, 'back-full.kvb')], dataDir: join(dir, 'back') });
    expect(back).toMatchObject({ revision: atStream.revision, hash: atStream.hash, logUrl: 'sqlite:' });
    const single = await onSqlite(join(dir, 'back'));
    expect(await single.hashKv()).toMatchObject({ revision: atStream.revision, hash: atStream.hash });
    expect(dumpState(single)).toEqual(stateAtStream);
    expect((await single.set('after/return', Buffer.from('y'))).revision).toBe(atStream.revision + 1);
    await single.close();

    const chained = await restore({
      inputs: [join(dir, 'full.kvb'), join(dir, 'back-incr.kvb')],
      dataDir: join(dir, 'chained'),
    });
    expect(chained).toMatchObject({
      revision: atStream.revision,
      hash: atStream.hash,
      compactRevision: base + 1,
    });
  });

  it('refuses a stream that is not empty, and leaves it untouched', async () => {
    const dir = await tempDir();
    const source = await onSqlite(join(dir, 'source'));
    await writeHistory(source, 50);
    await writeBackup(source, 0, join(dir, 'full.kvb'));
    await source.close();

    const url = newStream();
    const live = await onStream(join(dir, 'live'), url);
    await writeHistory(live, 30, 3);
    const liveHash = await live.hashKv();
    await live.close();
    const before = await streamState(url);

    const err = await restore({
      inputs: [join(dir, 'full.kvb')],
      dataDir: join(dir, 'target'),
      logUrl: url,
      force: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestorePlanError);
    expect((err as Error).message).toContain(`stream ${streamName(url)} is not empty`);
    expect((err as Error).message).toMatch(/nats stream rm .*or name a new stream in --log-url/);
    expect(await streamState(url)).toEqual(before);
    await expect(stat(join(dir, 'target'))).rejects.toThrow(/ENOENT/);

    const again = await onStream(join(dir, 'live'), url);
    expect(await again.hashKv()).toMatchObject({ revision: liveHash.revision, hash: liveHash.hash });
    await again.close();
  });

  it('checks the backups before writing to the stream: a damaged file leaves it empty', async () => {
    const dir = await tempDir();
    const source = await onSqlite(join(dir, 'source'));
    await writeHistory(source, 40);
    await writeBackup(source, 0, join(dir, 'full.kvb'));
    const base = source.revision;
    // Over 512 KiB of records: more than one frame, so a single pass would write the first before the damage.
    for (let i = 0; i < 700; i++) await source.set(`big/${i % 50}`, Buffer.alloc(1024, i));
    const bytes = await writeBackup(source, base + 1, join(dir, 'incr.kvb'));
    const expected = await source.hashKv();
    await source.close();
    // One byte near the end: every frame before it is fine and would already have been written.
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 80]! ^= 0xff;
    await writeFile(join(dir, 'damaged.kvb'), damaged);

    const url = newStream();
    const inputs = [join(dir, 'full.kvb'), join(dir, 'damaged.kvb')];
    await expect(restore({ inputs, dataDir: join(dir, 'node'), logUrl: url })).rejects.toBeInstanceOf(
      BackupFormatError,
    );
    expect(await streamState(url)).toMatchObject({ messages: 0, last: 0 });
    await expect(stat(join(dir, 'node'))).rejects.toThrow(/ENOENT/);

    // The stream was left empty, so the same restore with the good file goes into it.
    const result = await restore({
      inputs: [join(dir, 'full.kvb'), join(dir, 'incr.kvb')],
      dataDir: join(dir, 'node'),
      logUrl: url,
    });
    expect(result).toMatchObject({ revision: expected.revision, hash: expected.hash });
    expect((await readFile(join(dir, 'incr.kvb'))).equals(bytes)).toBe(true);
  });
});
