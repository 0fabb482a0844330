import { join } from 'node:path';
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type Metadata,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdPackageDefinition } from '../../src/api/etcd/proto.js';
import { type TestDatabase, testDatabase } from '../helpers/postgres.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';
import { etcdctl } from './etcd-process.js';

/*
 * Maintenance.Defragment: on the SQLite log it VACUUMs the file (etcdctl defrag; Status.dbSize shrinks after
 * deletes and a compaction; writes sent while it runs are all kept); on a log kvstore has no file of (memory and
 * PostgreSQL here; JetStream takes the same path) it changes nothing and says so.
 */

const pkg = (loadPackageDefinition(etcdPackageDefinition) as unknown as { etcdserverpb: GrpcObject })
  .etcdserverpb as unknown as Record<string, ServiceClientConstructor>;

let sqlite: ServerProcess;
let memory: ServerProcess;
let postgres: ServerProcess;
let db: TestDatabase;

beforeAll(async () => {
  const dir = await suiteDir();
  db = await testDatabase();
  [sqlite, memory, postgres] = await Promise.all([
    startServerProcess(join(dir, 'sqlite'), []),
    startServerProcess(join(dir, 'memory'), ['--log-url', 'memory:']),
    startServerProcess(join(dir, 'postgres'), ['--log-url', db.url('defrag')]),
  ]);
}, 60_000);

afterAll(async () => {
  await sqlite?.stop();
  await memory?.stop();
  await postgres?.stop();
  await db?.drop();
});

interface EndpointStatus {
  header: { revision: number };
  dbSize: number;
  dbSizeInUse: number;
}

async function status(endpoint: string): Promise<EndpointStatus> {
  const r = await etcdctl(endpoint, ['endpoint', 'status', '-w', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { Status: EndpointStatus }[])[0]!.Status;
}

/** Calls Defragment with a grpc-js client: its answer and the response metadata saying what it did. */
function defragment(addr: string): Promise<{ header: { revision: number }; said: string }> {
  const client = new pkg.Maintenance!(addr, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    let said = '';
    const call = (
      client as unknown as {
        Defragment(
          r: object,
          cb: (err: ServiceError | null, res: { header: { revision: number } }) => void,
        ): {
          on(event: 'metadata', listener: (m: Metadata) => void): void;
        };
      }
    ).Defragment({}, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve({ ...res, said });
    });
    call.on('metadata', (m) => {
      said = String(m.get('kvstore-defragment')[0] ?? '');
    });
  });
}

describe('Maintenance.Defragment', () => {
  it('VACUUMs the SQLite log: dbSize shrinks after deletes and a compaction, and writes sent meanwhile are kept', async () => {
    const client = new Etcd3({ hosts: sqlite.addr });
    try {
      const value = 'v'.repeat(2000);
      for (let i = 0; i < 3000; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, j) =>
            client.put(`bulk/${String(i + j).padStart(5, '0')}`).value(value),
          ),
        );
      }
      const del = await etcdctl(sqlite.addr, ['del', '--prefix', 'bulk/']);
      expect(del.stdout.trim()).toBe('3000');
      const compactAt = (await status(sqlite.addr)).header.revision;
      expect((await etcdctl(sqlite.addr, ['compaction', String(compactAt)])).code).toBe(0);
      const compacted = await status(sqlite.addr);
      const before = compacted.dbSize;
      expect(before).toBeGreaterThan(3000 * 2000);
      // The deleted and compacted records' pages are free: in use is a small part of the file.
      expect(compacted.dbSizeInUse).toBeLessThan(before / 4);

      // Writes issued while the VACUUM runs wait for it, then are acknowledged and kept.
      const during = Array.from({ length: 50 }, (_, i) => client.put(`during/${i}`).value(String(i)));
      const [defrag] = await Promise.all([etcdctl(sqlite.addr, ['defrag']), ...during]);
      expect(defrag.code, defrag.stderr).toBe(0);
      expect(defrag.stdout).toContain(`Finished defragmenting etcd member[${sqlite.addr}]`);

      const defragmented = await status(sqlite.addr);
      const after = defragmented.dbSize;
      expect(defragmented.dbSizeInUse).toBeLessThanOrEqual(after);
      expect(defragmented.dbSizeInUse).toBeGreaterThan(after / 2);
      // The live data left is 50 small keys and the records since the compaction.
      expect(after).toBeLessThan(before / 10);
      expect(await client.getAll().prefix('during/').count()).toBe(50);
      expect(await client.get('during/49').string()).toBe('49');

      // A second run has nothing left to free: the size stays, and the answer says what was done.
      const again = await defragment(sqlite.addr);
      expect(again.said).toMatch(/^defragmented sqlite:.*log\.sqlite: \d+ -> \d+ bytes \(VACUUM\)/);
      expect((await status(sqlite.addr)).dbSize).toBeLessThanOrEqual(after);
    } finally {
      client.close();
    }
  }, 180_000);

  it('changes nothing on a log kvstore has no file of (memory, PostgreSQL), and says so', async () => {
    const r = await etcdctl(memory.addr, ['defrag']);
    expect(r.code, r.stderr).toBe(0);
    const answer = await defragment(memory.addr);
    expect(answer.header.revision).toBeGreaterThanOrEqual(0);
    expect(answer.said).toBe('nothing defragmented on memory:: the in-memory log has no file');
    const pg = await defragment(postgres.addr);
    expect(pg.said).toMatch(
      /^nothing defragmented on postgres:\/\/.*: PostgreSQL reclaims the log table's space itself/,
    );
    expect((await etcdctl(postgres.addr, ['defrag'])).code).toBe(0);
  });
});
