import { join } from 'node:path';
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdPackageDefinition } from '../../src/api/etcd/proto.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';
import { type EtcdProcess, startEtcd } from './etcd-process.js';

/*
 * Nested Txn (request_txn) and Compare.range_end, sent by a grpc-js client to kvstore and to a real etcd
 * 3.4 started here: the same requests must get the same answers (revisions counted from each server's
 * first one, headers' ids masked) or the same error.
 */

type Unary = (request: object, callback: (err: ServiceError | null, response: unknown) => void) => void;
type Client = Record<string, Unary> & { close(): void };

const pkg = (loadPackageDefinition(etcdPackageDefinition) as unknown as { etcdserverpb: GrpcObject })
  .etcdserverpb as unknown as Record<string, ServiceClientConstructor>;

interface Side {
  readonly kv: Client;
  /** The revision of the empty store (kvstore: 0, etcd: 1). */
  base: number;
}

let kvstore: ServerProcess;
let etcd: EtcdProcess;
let ours: Side;
let theirs: Side;

function call<T>(client: Client, method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!.call(client, request, (err, response) => (err ? reject(err) : resolve(response as T)));
  });
}

beforeAll(async () => {
  const dir = await suiteDir();
  [kvstore, etcd] = await Promise.all([startServerProcess(join(dir, 'kv')), startEtcd(join(dir, 'etcd'))]);
  const side = async (addr: string): Promise<Side> => {
    const kv = new pkg.KV!(addr, credentials.createInsecure()) as unknown as Client;
    const r = await call<{ header: { revision: number } }>(kv, 'Range', { key: b('none') });
    return { kv, base: Number(r.header.revision) };
  };
  [ours, theirs] = await Promise.all([side(kvstore.addr), side(etcd.endpoint)]);
}, 60_000);

afterAll(async () => {
  ours?.kv.close();
  theirs?.kv.close();
  await kvstore?.stop();
  await etcd?.stop();
});

const b = (s: string) => Buffer.from(s);
const REVISIONS = new Set(['revision', 'create_revision', 'mod_revision']);

/** An answer with revisions counted from the store's first and the ids of headers dropped. */
function normal(value: unknown, base: number): unknown {
  if (Buffer.isBuffer(value)) return value.toString();
  if (Array.isArray(value)) return value.map((v) => normal(v, base));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'cluster_id' || k === 'member_id' || k === 'raft_term') continue;
    out[k] = REVISIONS.has(k) && Number(v) > 0 ? Number(v) - base : normal(v, base);
  }
  return out;
}

/** Sends one KV request to both servers; both answer the same, or fail with the same code and message. */
async function same(method: string, request: object): Promise<unknown> {
  const on = async (side: Side) => {
    try {
      return { ok: normal(await call(side.kv, method, request), side.base) };
    } catch (err) {
      const e = err as ServiceError;
      return { error: { code: e.code, details: e.details } };
    }
  };
  const [kv, real] = await Promise.all([on(ours), on(theirs)]);
  expect({ request: method, answer: kv }).toEqual({ request: method, answer: real });
  return kv;
}

const put = (key: string, value: string, prev_kv = false) => ({
  request_put: { key: b(key), value: b(value), prev_kv },
});
const get = (key: string, range_end?: string) => ({
  request_range: { key: b(key), range_end: range_end === undefined ? undefined : b(range_end) },
});
const del = (key: string, range_end?: string, prev_kv = false) => ({
  request_delete_range: {
    key: b(key),
    range_end: range_end === undefined ? undefined : b(range_end),
    prev_kv,
  },
});
const prefix = (p: string) => {
  const end = Buffer.from(p);
  end[end.length - 1]!++;
  return end.toString();
};

describe('nested Txn, as etcd 3.4', () => {
  it('runs the taken nested branches in place as one revision, every compare seeing the state before it', async () => {
    await same('Put', { key: b('n/a'), value: b('1') });
    await same('Put', { key: b('n/b'), value: b('2') });
    const out = (await same('Txn', {
      compare: [{ key: b('n/a'), target: 'VALUE', result: 'EQUAL', value: b('1') }],
      success: [
        put('n/c', '3'),
        {
          request_txn: {
            // n/c is put just above, but compares see the state before the transaction: version 0.
            compare: [{ key: b('n/c'), target: 'VERSION', result: 'GREATER', version: 0 }],
            success: [put('n/d', 'never')],
            failure: [
              get('n/', prefix('n/')),
              put('n/e', '5', true),
              {
                request_txn: {
                  compare: [{ key: b('n/zz'), target: 'CREATE', result: 'EQUAL', create_revision: 0 }],
                  success: [del('n/b', undefined, true)],
                },
              },
            ],
          },
        },
        get('n/', prefix('n/')),
      ],
    })) as { ok: { header: { revision: number }; responses: unknown[] } };
    expect(out.ok.header.revision).toBe(3);
    expect(out.ok.responses).toHaveLength(3);
    // Then/else of one nested Txn may put the same key; a read-only nested Txn writes nothing.
    await same('Txn', {
      success: [
        {
          request_txn: {
            compare: [{ key: b('n/a'), target: 'MOD', result: 'LESS', mod_revision: 1000 }],
            success: [put('n/f', 'then')],
            failure: [put('n/f', 'else')],
          },
        },
      ],
    });
    await same('Txn', { success: [{ request_txn: { success: [get('n/f')] } }] });
    await same('Range', { key: b('n/'), range_end: b(prefix('n/')) });
  });

  it('refuses a key written twice across the nested branches, and too many operations, with etcd messages', async () => {
    // Outer put, nested put of the same key.
    await same('Txn', { success: [put('d/x', '1'), { request_txn: { success: [put('d/x', '2')] } }] });
    // A nested put inside an outer delete range.
    await same('Txn', {
      success: [del('d/', prefix('d/')), { request_txn: { failure: [put('d/y', '1')] } }],
    });
    // A nested delete of an outer put; two nested Txns putting one key.
    await same('Txn', { success: [put('d/z', '1'), { request_txn: { success: [del('d/z')] } }] });
    await same('Txn', {
      success: [
        { request_txn: { success: [put('d/w', '1')] } },
        { request_txn: { failure: [put('d/w', '2')] } },
      ],
    });
    // Deletes across the nested branches taken may overlap: the later one deletes nothing.
    await same('Put', { key: b('d/u'), value: b('1') });
    await same('Txn', {
      success: [
        { request_txn: { success: [del('d/u', undefined, true)] } },
        del('d/', prefix('d/'), true),
        { request_txn: { success: [del('d/u')] } },
      ],
    });
    // A put and a delete of one key in one branch (etcd 3.4 refuses that too).
    await same('Txn', { success: [put('d/v', '1'), del('d/v')] });
    // A nested Txn gets what its parent leaves of the 128-operation budget.
    const ops = (n: number, p: string) => Array.from({ length: n }, (_, i) => get(`${p}${i}`));
    await same('Txn', { success: [...ops(100, 'o/'), { request_txn: { success: ops(28, 'p/') } }] });
    await same('Txn', { success: [...ops(100, 'o/'), { request_txn: { success: ops(29, 'p/') } }] });
    // An empty compare key, nested.
    await same('Txn', { success: [{ request_txn: { compare: [{ key: b(''), target: 'VERSION' }] } }] });
    await same('Range', { key: b('d/'), range_end: b(prefix('d/')) });
  });
});

describe('Compare.range_end, as etcd 3.4', () => {
  it('holds when every key of the range satisfies it; an empty range compares as an absent key', async () => {
    for (const [k, v] of [
      ['c/a', 'x'],
      ['c/b', 'x'],
      ['c/c', 'y'],
    ] as const)
      await same('Put', { key: b(k), value: b(v) });
    const txn = (compare: object) => same('Txn', { compare: [compare], success: [get('c/a')], failure: [] });
    const c = (target: string, result: string, operand: object, key = 'c/', end = prefix('c/')) => ({
      key: b(key),
      range_end: b(end),
      target,
      result,
      ...operand,
    });
    await txn(c('VALUE', 'EQUAL', { value: b('x') }));
    await txn(c('VALUE', 'EQUAL', { value: b('x') }, 'c/a', 'c/c'));
    await txn(c('VALUE', 'NOT_EQUAL', { value: b('z') }));
    await txn(c('VERSION', 'EQUAL', { version: 1 }));
    await txn(c('VERSION', 'GREATER', { version: 1 }));
    await txn(c('CREATE', 'GREATER', { create_revision: 0 }));
    await txn(c('MOD', 'LESS', { mod_revision: 1000 }));
    await txn(c('LEASE', 'EQUAL', { lease: 0 }));
    // "\0": every key from c/b on.
    await txn(c('VALUE', 'EQUAL', { value: b('x') }, 'c/b', '\0'));
    // An empty range: version, create and mod compare as 0, a value compare fails.
    await txn(c('VERSION', 'EQUAL', { version: 0 }, 'e/', prefix('e/')));
    await txn(c('CREATE', 'LESS', { create_revision: 1 }, 'e/', prefix('e/')));
    await txn(c('VALUE', 'NOT_EQUAL', { value: b('x') }, 'e/', prefix('e/')));
    // One absent key: a value compare fails whatever its op (etcd's rule).
    await txn({ key: b('c/none'), target: 'VALUE', result: 'NOT_EQUAL', value: b('x') });
    // A range compare decides a nested Txn too.
    await same('Txn', {
      success: [
        {
          request_txn: {
            compare: [c('VALUE', 'EQUAL', { value: b('x') }, 'c/a', 'c/c')],
            success: [put('c/d', 'nested')],
          },
        },
      ],
    });
    await same('Range', { key: b('c/'), range_end: b(prefix('c/')) });
  });
});

/** A Txn's outcome (and its last delete's count), or its error. */
async function txnOrError(side: Side, request: object): Promise<object> {
  try {
    const r = await call<{
      succeeded: boolean;
      responses: { response_delete_range?: { deleted: string } }[];
    }>(side.kv, 'Txn', request);
    return { succeeded: r.succeeded, deleted: Number(r.responses.at(-1)?.response_delete_range?.deleted) };
  } catch (err) {
    return { code: (err as ServiceError).code, details: (err as ServiceError).details };
  }
}

describe('one branch writing a key twice, as etcd 3.4', () => {
  it('refuses a key put twice or put and deleted, and lets deletes overlap', async () => {
    await same('Put', { key: b('w/a'), value: b('1') });
    await same('Put', { key: b('w/b'), value: b('2') });
    await same('Txn', { success: [put('w/x', '1'), put('w/x', '2')] });
    await same('Txn', { success: [del('w/x'), put('w/x', '1')] });
    await same('Txn', { success: [del('w/', prefix('w/')), put('w/c', '1')] });
    await same('Txn', { success: [put('w/c', '1'), del('w/b', 'w/d')] });
    await same('Txn', { failure: [put('w/c', '1'), put('w/c', '1')] });
    await same('Put', { key: b('w/a'), value: b('1') });
    await same('Put', { key: b('w/b'), value: b('2') });
    await same('Txn', { success: [del('w/a', undefined, true), del('w/a', undefined, true)] });
    await same('Txn', { success: [del('w/', prefix('w/'), true), del('w/b', undefined, true)] });
    await same('Put', { key: b('w/a'), value: b('1') });
    await same('Txn', { success: [get('w/a'), put('w/a', '2'), get('w/a')] });
    await same('Range', { key: b('w/'), range_end: b(prefix('w/')) });
    // The one difference (docs/etcd.md): etcd 3.4 checks a delete's range as the interval [key, range_end),
    // which for "\0" (from key) is empty, so it takes a put and a from-key delete of the same key, and
    // writes the key twice in one revision; kvstore writes a key once per revision and refuses it.
    const fromKey = { success: [put('w/c', '1'), del('w/b', '\0')] };
    const [kv, real] = await Promise.all([ours, theirs].map((side) => txnOrError(side, fromKey)));
    expect(kv).toEqual({ code: 3, details: 'etcdserver: duplicate key given in txn request' });
    expect(real).toEqual({ succeeded: true, deleted: 1 });
    // etcd wrote one revision more: one write on kvstore keeps the revisions of later tests in step.
    await call(ours.kv, 'Put', { key: b('w/step'), value: b('1') });
  });
});

describe('a range at a past revision inside a Txn, as etcd 3.4', () => {
  it('reads the state at that revision; a future or compacted one on the path taken refuses the Txn', async () => {
    await same('Put', { key: b('h/a'), value: b('1') });
    const at = async (side: Side) => {
      const r = await call<{ header: { revision: string } }>(side.kv, 'Range', { key: b('h/a') });
      return Number(r.header.revision);
    };
    // Revisions differ by the servers' bases: each request names its own server's.
    const [kvAt, realAt] = await Promise.all([at(ours), at(theirs)]);
    await same('Put', { key: b('h/a'), value: b('2') });
    await same('Put', { key: b('h/b'), value: b('3') });
    const both = async (make: (rev: (n: number) => number) => object) => {
      const on = async (side: Side, base: number) => {
        try {
          return {
            ok: normal(
              await call(
                side.kv,
                'Txn',
                make((n) => base + n),
              ),
              side.base,
            ),
          };
        } catch (err) {
          return { error: { code: (err as ServiceError).code, details: (err as ServiceError).details } };
        }
      };
      const [kv, real] = await Promise.all([on(ours, kvAt), on(theirs, realAt)]);
      expect(kv).toEqual(real);
      return kv;
    };
    const past = (key: string, revision: number, range_end?: string) => ({
      request_range: { key: b(key), range_end: range_end === undefined ? undefined : b(range_end), revision },
    });
    // Read-only, and beside a write (the header of a read ahead of the write is the revision before it).
    await both((rev) => ({ success: [past('h/', rev(0), prefix('h/')), get('h/a')] }));
    const mixed = (await both((rev) => ({
      compare: [{ key: b('h/a'), target: 'VALUE', result: 'EQUAL', value: b('2') }],
      success: [past('h/a', rev(0)), put('h/c', '4'), past('h/', rev(1), prefix('h/')), get('h/c')],
    }))) as { ok: { succeeded: boolean } };
    expect(mixed.ok.succeeded).toBe(true);
    // A future revision: refused when on the path taken, ignored on the other branch.
    const future = (await both((rev) => ({ success: [put('h/d', '5'), past('h/a', rev(1000))] }))) as {
      error: { details: string };
    };
    expect(future.error.details).toBe('etcdserver: mvcc: required revision is a future revision');
    await both((rev) => ({
      compare: [{ key: b('h/a'), target: 'VERSION', result: 'EQUAL', version: 2 }],
      success: [put('h/e', '6')],
      failure: [past('h/a', rev(1000))],
    }));
    await both((rev) => ({
      success: [{ request_txn: { success: [past('h/a', rev(1000))] } }, put('h/f', '7')],
    }));
    // Compacted: etcd's message, nothing written.
    await Promise.all([
      call(ours.kv, 'Compact', { revision: kvAt + 2 }),
      call(theirs.kv, 'Compact', { revision: realAt + 2 }),
    ]);
    const compacted = (await both((rev) => ({ success: [put('h/g', '8'), past('h/a', rev(1))] }))) as {
      error: { details: string };
    };
    expect(compacted.error.details).toBe('etcdserver: mvcc: required revision has been compacted');
    await both((rev) => ({ success: [past('h/', rev(2), prefix('h/'))] }));
    await same('Range', { key: b('h/'), range_end: b(prefix('h/')) });
  });
});
