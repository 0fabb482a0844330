import { describe, expect, it } from 'vitest';
import { compilePattern, patternMatches } from '../../src/keys/key-pattern.js';
import { storedValueBytes } from '../../src/projections/key-entry.js';
import { ConditionFailedError } from '../../src/store/conditions.js';
import { InvalidArgumentError } from '../../src/store/errors.js';
import { KvStore } from '../../src/store/kv-store.js';
import type { TxnOp } from '../../src/store/txn.js';
import { tempDir } from '../helpers/temp-dir.js';

const b = (s: string) => Buffer.from(s);
const text = (store: KvStore, key: string) => {
  const e = store.get(key).entry;
  return e && storedValueBytes(e.value).toString();
};

describe('conditional writes', () => {
  it('write only when the condition holds, and report the current state when it does not', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    const created = await store.set('k', b('1'), { condition: { kind: 'absent' } });
    const err = await store.set('k', b('2'), { condition: { kind: 'absent' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionFailedError);
    expect((err as ConditionFailedError).current).toEqual({ modRevision: created.revision, version: 1 });
    expect((err as Error).message).toBe(
      `key "k": condition absent does not hold (current mod_revision ${created.revision}, version 1)`,
    );

    await store.set('k', b('2'), { condition: { kind: 'version', version: 1 } });
    await expect(
      store.set('k', b('3'), { condition: { kind: 'version', version: 1 } }),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    const second = store.get('k').entry!;
    await store.set('k', b('3'), { condition: { kind: 'modRevision', modRevision: second.modRevision } });
    await store.set('k', b('4'), { condition: { kind: 'value', value: b('3') } });
    await expect(
      store.set('k', b('5'), { condition: { kind: 'value', value: b('3') } }),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    await expect(store.delete('k', { kind: 'version', version: 99 })).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    expect(await store.delete('k', { kind: 'value', value: b('4') })).toMatchObject({ deleted: true });
    expect(store.revision).toBe(5);
    await store.close();
  });

  it('keeps compare-and-set exact under contention: 16 writers x 200 increments = 3,200', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    let conflicts = 0;
    const increment = async () => {
      for (;;) {
        const current = store.get('counter').entry;
        const n = current ? Number(storedValueBytes(current.value).toString()) : 0;
        try {
          await store.set('counter', b(String(n + 1)), {
            condition: current
              ? { kind: 'modRevision', modRevision: current.modRevision }
              : { kind: 'absent' },
          });
          return;
        } catch (err) {
          if (!(err instanceof ConditionFailedError)) throw err;
          conflicts++;
        }
      }
    };
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = 0; i < 200; i++) await increment();
      }),
    );
    expect(text(store, 'counter')).toBe('3200');
    expect(store.get('counter').entry!.version).toBe(3200);
    expect(store.revision).toBe(3200);
    expect(conflicts).toBeGreaterThan(0);
    await store.close();
  });
});

describe('batches', () => {
  it('write, read and delete several keys as one revision each', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    const written = await store.setMany([
      { key: 'a', value: b('1') },
      { key: 'b', value: b('2'), ttlMs: 60_000 },
    ]);
    expect(written.revision).toBe(1);
    expect(written.items.map((i) => i.version)).toEqual([1, 1]);
    expect(
      store.getMany(['a', 'zz', 'b']).entries.map((e) => e && storedValueBytes(e.value).toString()),
    ).toEqual(['1', undefined, '2']);
    expect(await store.deleteMany(['a', 'zz'])).toEqual({ revision: 2, deleted: ['a'] });
    expect(await store.deleteMany(['zz'])).toEqual({ revision: 2, deleted: [] });
    await expect(
      store.setMany([
        { key: 'x', value: b('') },
        { key: 'x', value: b('') },
      ]),
    ).rejects.toThrow(/items\[1\]\.key: "x" appears twice/);
    await expect(store.setMany([])).rejects.toThrow(/items: must not be empty/);
    await store.close();
  });

  it('delete a prefix, a range or a pattern as one revision, with the deleted rows', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    await store.setMany(
      ['app/a/config', 'app/b/config', 'app/b/other', 'app/c/d/config', 'apq'].map((key) => ({
        key,
        value: b(key),
      })),
    );
    const byPattern = await store.deleteRange({ kind: 'pattern', pattern: compilePattern('app/*/config') });
    expect(byPattern.deleted.map((r) => r.key)).toEqual(['app/a/config', 'app/b/config']);
    expect(byPattern.revision).toBe(2);
    const byPrefix = await store.deleteRange({ kind: 'prefix', prefix: 'app/' });
    expect(byPrefix.deleted.map((r) => r.key)).toEqual(['app/b/other', 'app/c/d/config']);
    expect(store.list().entries.map((e) => e.key)).toEqual(['apq']);
    const nothing = await store.deleteRange({ kind: 'range', start: 'b', end: 'c' });
    expect(nothing).toEqual({ revision: 3, deleted: [] });
    await store.close();
  });
});

describe('transactions', () => {
  it('run the success branch atomically as one revision, reads seeing earlier writes', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    await store.set('lock', b('free'));
    const result = await store.txn({
      compares: [{ key: 'lock', target: 'value', op: 'equal', operand: b('free') }],
      success: [
        { type: 'set', key: 'lock', value: b('mine') },
        { type: 'set', key: 'owner', value: b('me') },
        { type: 'get', key: 'owner' },
      ],
      failure: [{ type: 'get', key: 'lock' }],
    });
    expect(result.succeeded).toBe(true);
    expect(result.revision).toBe(2);
    expect(result.results[2]).toMatchObject({
      type: 'get',
      row: { key: 'owner', version: 1, modRevision: 2 },
    });
    expect(text(store, 'lock')).toBe('mine');
    await store.close();
  });

  it('write nothing when a compare fails, and return the failure branch reads', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    await store.set('lock', b('taken'));
    const result = await store.txn({
      compares: [{ key: 'lock', target: 'version', op: 'equal', operand: 0 }],
      success: [{ type: 'set', key: 'lock', value: b('mine') }],
      failure: [
        { type: 'get', key: 'lock' },
        { type: 'range', span: { kind: 'prefix', prefix: '' }, limit: 10 },
      ],
    });
    expect(result.succeeded).toBe(false);
    expect(result.revision).toBe(1);
    expect(store.revision).toBe(1);
    const read = result.results[0]!;
    expect(read.type === 'get' && Buffer.from(read.row!.value).toString()).toBe('taken');
    expect(result.results[1]).toMatchObject({ type: 'range', more: false });
    await store.close();
  });

  it('refuse 129 operations and a key written twice', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    const many: TxnOp[] = Array.from({ length: 129 }, (_, i) => ({
      type: 'set',
      key: `k${i}`,
      value: b('x'),
    }));
    await expect(store.txn({ compares: [], success: many, failure: [] })).rejects.toThrow(
      'success: has 129 operations, over the limit of 128',
    );
    const twice: TxnOp[] = [
      { type: 'set', key: 'a', value: b('1') },
      { type: 'delete', key: 'a' },
    ];
    const err = await store.txn({ compares: [], success: twice, failure: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toBe(
      'success[1].key: "a" is already written by success[0]; a transaction writes a key at most once',
    );
    await expect(
      store.txn({
        compares: [],
        success: [
          { type: 'set', key: 'p/x', value: b('') },
          { type: 'deleteRange', span: { kind: 'prefix', prefix: 'p/' } },
        ],
        failure: [],
      }),
    ).rejects.toThrow(/is also deleted by success\[1\]/);
    expect(store.revision).toBe(0);
    await store.close();
  });
});

describe('key patterns', () => {
  it('match segments with * and any number of segments with **', () => {
    const cases: [string, string, boolean][] = [
      ['app/*/config', 'app/a/config', true],
      ['app/*/config', 'app/a/b/config', false],
      ['app/*/config', 'app//config', true],
      ['app/**/config', 'app/config', true],
      ['app/**/config', 'app/a/b/config', true],
      ['logs/**', 'logs/2026/11/26', true],
      ['logs/**', 'logs', false],
      ['**', 'anything/at/all', true],
      ['a.b/*', 'a.b/c', true],
      ['a.b/*', 'aXb/c', false],
      ['lit\\*/x', 'lit*/x', true],
      ['user-*', 'user-42', true],
    ];
    for (const [pattern, key, expected] of cases)
      expect(patternMatches(compilePattern(pattern), key), `${pattern} ~ ${key}`).toBe(expected);
    expect(compilePattern('app/*/config').prefix).toBe('app/');
    expect(() => compilePattern('a**')).toThrow(/must be a whole segment/);
  });

  it('narrow List to the literal prefix', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    await store.setMany(
      ['svc/a/port', 'svc/a/host', 'svc/b/port', 'svc/b/x/port', 'other/port'].map((key) => ({
        key,
        value: b(''),
      })),
    );
    const page = store.list({
      span: { kind: 'pattern', pattern: compilePattern('svc/*/port') },
      count: true,
    });
    expect(page.entries.map((e) => e.key)).toEqual(['svc/a/port', 'svc/b/port']);
    expect(page.count).toBe(2);
    await store.close();
  });
});
