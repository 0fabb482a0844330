import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetResponse__Output } from '../../src/api/generated/kvstore/v1/GetResponse.js';
import type { SetManyResponse__Output } from '../../src/api/generated/kvstore/v1/SetManyResponse.js';
import type { TxnResponse__Output } from '../../src/api/generated/kvstore/v1/TxnResponse.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { recordWatch } from '../helpers/watch-client.js';

let server: ServerProcess;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  server = await startServerProcess(await mkdtemp(join(tmpdir(), 'kvstore-txn-')));
  api = clients(server.addr);
});

afterAll(async () => {
  api.close();
  await server.stop();
});

const get = (key: string) => unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key }, cb));

describe('compare-and-set over gRPC', () => {
  it('16 concurrent clients x 200 increments end at exactly 3,200, with 3,200 writes in the log', async () => {
    const conn = Array.from({ length: 16 }, () => clients(server.addr));
    let failedConditions = 0;
    await Promise.all(
      conn.map(async (c) => {
        for (let i = 0; i < 200; i++) {
          for (let attempt = 0; ; attempt++) {
            const current = await unaryCall<GetResponse__Output>((cb) =>
              c.kv.Get({ key: 'cas/counter' }, cb),
            );
            const n = current.found ? Number(current.kv!.value.toString()) : 0;
            const condition = current.found ? { mod_revision: current.kv!.mod_revision } : { absent: true };
            try {
              await unaryCall((cb) =>
                c.kv.Set({ key: 'cas/counter', value: Buffer.from(String(n + 1)), condition }, cb),
              );
              break;
            } catch (err) {
              const e = err as ServiceError;
              expect(status[e.code]).toBe('FAILED_PRECONDITION');
              expect(e.details).toMatch(
                /^key "cas\/counter": condition (mod_revision == \d+|absent) does not hold \(current mod_revision \d+, version \d+\)$/,
              );
              expect(Number(e.metadata.get('current-mod-revision')[0])).toBeGreaterThan(0);
              failedConditions++;
              // Exponential backoff with jitter, as a real client would, so retries do not crowd out progress.
              await new Promise((r) => setTimeout(r, Math.random() * Math.min(32, 2 ** attempt)));
            }
          }
        }
      }),
    );
    for (const c of conn) c.close();
    const final = await get('cas/counter');
    expect(final.kv!.value.toString()).toBe('3200');
    expect(final.kv!.version).toBe(3200);
    expect(failedConditions).toBeGreaterThan(0);

    const history = recordWatch(api.kv, { key: 'cas/counter', start_revision: 1 });
    await history.until((m) => m.header!.revision >= final.kv!.mod_revision);
    history.cancel();
    const puts = history.messages.flatMap((m) => m.events).filter((e) => e.type === 'PUT');
    expect(puts).toHaveLength(3200);
    expect(puts.map((e) => Number(e.kv!.value.toString()))).toEqual(
      Array.from({ length: 3200 }, (_, i) => i + 1),
    );
    // Correctness, not speed, is pinned: 3,200 durable CAS rounds take ~40 s quiet and over 120 s on a loaded 2-core machine.
  }, 300_000);
});

describe('Txn over gRPC', () => {
  it('delivers a transaction to watchers as one message at one revision', async () => {
    const watch = recordWatch(api.kv, { prefix: 'txn/' });
    await new Promise((r) => setTimeout(r, 100));
    await unaryCall((cb) => api.kv.Set({ key: 'txn/a', value: Buffer.from('old') }, cb));
    const res = await unaryCall<TxnResponse__Output>((cb) =>
      api.kv.Txn(
        {
          compare: [{ key: 'txn/a', value: Buffer.from('old'), result: 'EQUAL' }],
          success: [
            { set: { key: 'txn/a', value: Buffer.from('new') } },
            { set: { key: 'txn/b', value: Buffer.from('b') } },
            { delete_range: { prefix: 'txn/zzz' } },
            { get: { key: 'txn/b' } },
          ],
          failure: [],
        },
        cb,
      ),
    );
    expect(res.succeeded).toBe(true);
    expect(res.responses[3]!.get!.kv!.value.toString()).toBe('b');
    const message = await watch.until((m) =>
      m.events.some((e) => e.kv!.mod_revision === res.header!.revision),
    );
    const atTxn = message.events.filter((e) => e.kv!.mod_revision === res.header!.revision);
    expect(atTxn.map((e) => `${e.type} ${e.kv!.key}`)).toEqual(['PUT txn/a', 'PUT txn/b']);
    watch.cancel();
  });

  it('returns the failure branch reads and writes nothing when a compare fails', async () => {
    await unaryCall((cb) => api.kv.Set({ key: 'txn/lock', value: Buffer.from('held') }, cb));
    const before = await get('txn/lock');
    const res = await unaryCall<TxnResponse__Output>((cb) =>
      api.kv.Txn(
        {
          compare: [{ key: 'txn/lock', version: 0, result: 'EQUAL' }],
          success: [{ set: { key: 'txn/lock', value: Buffer.from('mine') } }],
          failure: [{ get: { key: 'txn/lock' } }, { range: { prefix: 'txn/l' } }],
        },
        cb,
      ),
    );
    expect(res.succeeded).toBe(false);
    expect(res.responses[0]!.get!.kv!.value.toString()).toBe('held');
    expect(res.responses[1]!.range!.kvs.map((kv) => kv.key)).toEqual(['txn/lock']);
    expect(res.header!.revision).toBe(before.header!.revision);
    expect((await get('txn/lock')).kv!.mod_revision).toBe(before.kv!.mod_revision);
  });

  it('refuses 129 operations and a key written twice with INVALID_ARGUMENT', async () => {
    const many = Array.from({ length: 129 }, (_, i) => ({
      set: { key: `txn/many/${i}`, value: Buffer.from('x') },
    }));
    const tooMany = await unaryCall((cb) => api.kv.Txn({ success: many }, cb)).catch((e: ServiceError) => e);
    expect((tooMany as ServiceError).code).toBe(status.INVALID_ARGUMENT);
    expect((tooMany as ServiceError).details).toBe('success: has 129 operations, over the limit of 128');
    const twice = await unaryCall((cb) =>
      api.kv.Txn(
        {
          success: [
            { set: { key: 'txn/t', value: Buffer.from('1') } },
            { set: { key: 'txn/t', value: Buffer.from('2') } },
          ],
        },
        cb,
      ),
    ).catch((e: ServiceError) => e);
    expect((twice as ServiceError).code).toBe(status.INVALID_ARGUMENT);
    expect((twice as ServiceError).details).toMatch(
      /^success\[1\]\.key: "txn\/t" is already written by success\[0\]/,
    );
    expect((await get('txn/t')).found).toBe(false);
  });
});

describe('batches, range deletes and patterns over gRPC', () => {
  it('SetMany is one revision; GetMany reads at one revision; DeleteRange returns count and values', async () => {
    const set = await unaryCall<SetManyResponse__Output>((cb) =>
      api.kv.SetMany({ items: ['b/1', 'b/2', 'b/3'].map((key) => ({ key, value: Buffer.from(key) })) }, cb),
    );
    expect(new Set(set.kvs.map((kv) => kv.mod_revision))).toEqual(new Set([set.header!.revision]));
    const got = await unaryCall<{ results: GetResponse__Output[] }>((cb) =>
      api.kv.GetMany({ keys: ['b/2', 'b/none'] }, cb),
    );
    expect(got.results.map((r) => r.found)).toEqual([true, false]);
    const listed = await unaryCall<{ kvs: { key: string }[] }>((cb) => api.kv.List({ pattern: 'b/*' }, cb));
    expect(listed.kvs.map((kv) => kv.key)).toEqual(['b/1', 'b/2', 'b/3']);
    const del = await unaryCall<{ deleted: number; prev_kvs: { key: string; value: Buffer }[] }>((cb) =>
      api.kv.DeleteRange({ prefix: 'b/', prev_kv: true }, cb),
    );
    expect(del.deleted).toBe(3);
    expect(del.prev_kvs.map((kv) => kv.value.toString())).toEqual(['b/1', 'b/2', 'b/3']);
  });

  it('watches a pattern', async () => {
    const watch = recordWatch(api.kv, { pattern: 'w/*/on' });
    await new Promise((r) => setTimeout(r, 100));
    for (const key of ['w/a/on', 'w/a/off', 'w/b/c/on', 'w/z/on']) {
      await unaryCall((cb) => api.kv.Set({ key, value: Buffer.from('1') }, cb));
    }
    await watch.until((m) => m.events.some((e) => e.kv!.key === 'w/z/on'));
    expect(watch.messages.flatMap((m) => m.events.map((e) => e.kv!.key))).toEqual(['w/a/on', 'w/z/on']);
    watch.cancel();
  });
});
