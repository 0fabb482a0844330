import { describe, expect, it } from 'vitest';
import { storedValueBytes } from '../../src/projections/key-entry.js';
import { InvalidArgumentError } from '../../src/store/errors.js';
import { KvStore } from '../../src/store/kv-store.js';
import { tempDir } from '../helpers/temp-dir.js';

/* The store's side of etcd's nested Txn and Compare.range_end (the etcd mapping: test/etcd/etcd-txn.test.ts). */

const b = (s: string) => Buffer.from(s);
const text = (store: KvStore, key: string) => {
  const e = store.get(key).entry;
  return e && storedValueBytes(e.value).toString();
};

describe('nested transactions in the store', () => {
  it('decide every branch on the state before any operation, and write the taken ones as one revision', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    await store.set('a', b('1'));
    const result = await store.txn({
      compares: [{ key: 'a', target: 'value', op: 'equal', operand: b('1') }],
      success: [
        { type: 'set', key: 'b', value: b('2') },
        {
          type: 'txn',
          request: {
            // b is set just above, but this compare sees the state before the transaction.
            compares: [{ key: 'b', target: 'version', op: 'equal', operand: 0 }],
            success: [
              { type: 'get', key: 'b' },
              { type: 'set', key: 'c', value: b('3') },
            ],
            failure: [{ type: 'set', key: 'never', value: b('x') }],
          },
        },
      ],
      failure: [],
    });
    expect(result.revision).toBe(2);
    expect(result.results[1]).toMatchObject({
      type: 'txn',
      succeeded: true,
      results: [
        { type: 'get', row: { key: 'b', version: 1 } },
        { type: 'set', version: 1 },
      ],
    });
    expect([text(store, 'b'), text(store, 'c'), text(store, 'never')]).toEqual(['2', '3', undefined]);
    await store.close();
  });

  it('let a later delete across the branches taken find the key gone, as etcd does', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    await store.set('p/a', b('1'));
    await store.set('p/b', b('2'));
    const result = await store.txn({
      compares: [],
      success: [
        { type: 'txn', request: { compares: [], success: [{ type: 'delete', key: 'p/a' }], failure: [] } },
        { type: 'deleteRange', span: { kind: 'prefix', prefix: 'p/' } },
        { type: 'txn', request: { compares: [], success: [{ type: 'delete', key: 'p/b' }], failure: [] } },
      ],
      failure: [],
    });
    expect(result.revision).toBe(3);
    expect(result.results.map((r) => (r.type === 'txn' ? r.results[0] : r))).toMatchObject([
      { type: 'delete', deleted: true },
      { type: 'deleteRange', deleted: [{ key: 'p/b' }] },
      { type: 'delete', deleted: false },
    ]);
    expect([text(store, 'p/a'), text(store, 'p/b')]).toEqual([undefined, undefined]);
    // A put of a key that an earlier operation deleted is refused (the etcd API refuses it before, by etcd's rule).
    const err = await store
      .txn({
        compares: [],
        success: [
          { type: 'set', key: 'q', value: b('1') },
          {
            type: 'txn',
            request: { compares: [], success: [{ type: 'set', key: 'q', value: b('2') }], failure: [] },
          },
        ],
        failure: [],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toContain('"q" is written by two operations of the branches taken');
    expect([store.revision, text(store, 'q')]).toEqual([3, undefined]);
    await store.close();
  });
});

describe('compares over a span', () => {
  it('hold when every live key holds; an empty span is an absent key, where a value compare fails', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    await store.set('s/a', b('x'));
    await store.set('s/b', b('x'));
    const holds = async (compare: Parameters<KvStore['txn']>[0]['compares'][number]) =>
      (await store.txn({ compares: [compare], success: [], failure: [] })).succeeded;
    const s = { kind: 'prefix', prefix: 's/' } as const;
    const none = { kind: 'prefix', prefix: 'none/' } as const;
    expect(await holds({ key: 's/', span: s, target: 'value', op: 'equal', operand: b('x') })).toBe(true);
    expect(await holds({ key: 's/', span: s, target: 'version', op: 'equal', operand: 1 })).toBe(true);
    await store.set('s/b', b('y'));
    expect(await holds({ key: 's/', span: s, target: 'value', op: 'equal', operand: b('x') })).toBe(false);
    expect(await holds({ key: 's/', span: s, target: 'modRevision', op: 'greater', operand: 0 })).toBe(true);
    expect(await holds({ key: 'none/', span: none, target: 'version', op: 'equal', operand: 0 })).toBe(true);
    expect(await holds({ key: 'none/', span: none, target: 'value', op: 'notEqual', operand: b('x') })).toBe(
      false,
    );
    // One absent key: kvstore.v1's rule (notEqual holds) unless the compare asks for etcd's.
    expect(await holds({ key: 'gone', target: 'value', op: 'notEqual', operand: b('x') })).toBe(true);
    expect(
      await holds({ key: 'gone', target: 'value', op: 'notEqual', operand: b('x'), absentValueFails: true }),
    ).toBe(false);
    await store.close();
  });
});
