import { describe, expect, it } from 'vitest';
import { KvStore } from '../../src/store/kv-store.js';
import { NamespaceQuotas, QuotaExceededError } from '../../src/store/namespace-quota.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Namespace quotas at the write path's serialisation point (real SQLite store): writes racing in one group
 * commit cannot jointly pass a quota, a refused batch or transaction writes nothing, and the usage is the
 * stored keys' (the same after reopening, counted again from the key index).
 */
const SPECS = [
  { name: 'acme', prefix: 'tenants/acme/', quota: { keys: 100 } },
  { name: 'tiny', prefix: 'tenants/tiny/', quota: { bytes: 100 } },
  { name: 'free', prefix: 'free/', quota: {} },
];

async function open(dir: string): Promise<{ store: KvStore; quotas: NamespaceQuotas }> {
  const store = await KvStore.open({ dataDir: dir });
  const quotas = new NamespaceQuotas(SPECS, store);
  store.guardWrites(quotas);
  return { store, quotas };
}

const usage = (quotas: NamespaceQuotas, name: string) =>
  quotas.usageByNamespace().find((n) => n.name === name);

describe('namespace quotas', () => {
  it('150 concurrent creates under a quota of 100 keys: exactly 100 are written', async () => {
    const dir = await tempDir();
    const { store, quotas } = await open(dir);
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 150 }, (_, i) => store.set(`tenants/acme/k${i}`, Buffer.from('v'))),
      );
      const written = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results.filter(
        (r) => r.status === 'rejected' && r.reason instanceof QuotaExceededError,
      ).length;
      expect([written, refused]).toEqual([100, 50]);
      expect(store.list({ span: { kind: 'prefix', prefix: 'tenants/acme/' } }).entries).toHaveLength(100);
      expect(usage(quotas, 'acme')).toMatchObject({ keys: 100, quotaKeys: 100 });
      // Keys outside the namespace, and overwrites inside it, are not held back.
      await store.set('elsewhere', Buffer.from('x'));
      await store.set('tenants/acme/k0', Buffer.from('again'));
      await store.set('free/x', Buffer.from('counted, never refused'));
      expect(usage(quotas, 'free')).toMatchObject({ keys: 1 });
    } finally {
      await store.close();
    }
  });

  it('in one group commit, a second write of a key created by the first adds no key', async () => {
    const dir = await tempDir();
    const { store, quotas } = await open(dir);
    try {
      await store.setMany(
        Array.from({ length: 99 }, (_, i) => ({ key: `tenants/acme/k${i}`, value: Buffer.from('v') })),
      );
      const results = await Promise.allSettled([
        store.set('tenants/acme/x', Buffer.from('1')),
        store.set('tenants/acme/x', Buffer.from('2')),
        store.set('tenants/acme/y', Buffer.from('1')),
        store.delete('tenants/acme/k0'),
        store.set('tenants/acme/z', Buffer.from('1')),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect(usage(quotas, 'acme')).toMatchObject({ keys: 100 });
    } finally {
      await store.close();
    }
  });

  it('a batch or a transaction that would pass the quota writes nothing; a delete frees room', async () => {
    const dir = await tempDir();
    const { store } = await open(dir);
    try {
      await store.setMany(
        Array.from({ length: 99 }, (_, i) => ({ key: `tenants/acme/k${i}`, value: Buffer.from('v') })),
      );
      const before = store.revision;
      await expect(
        store.setMany([
          { key: 'tenants/acme/new1', value: Buffer.from('v') },
          { key: 'tenants/acme/new2', value: Buffer.from('v') },
        ]),
      ).rejects.toBeInstanceOf(QuotaExceededError);
      await expect(
        store.txn({
          compares: [],
          success: [
            { type: 'set', key: 'tenants/acme/k0', value: Buffer.from('changed') },
            { type: 'set', key: 'tenants/acme/new1', value: Buffer.from('v') },
            { type: 'set', key: 'tenants/acme/new2', value: Buffer.from('v') },
          ],
          failure: [],
        }),
      ).rejects.toBeInstanceOf(QuotaExceededError);
      expect(store.revision).toBe(before);
      expect(store.get('tenants/acme/new1').entry).toBeUndefined();
      // A transaction that deletes one key and creates two nets one: it fits.
      await store.txn({
        compares: [],
        success: [
          { type: 'delete', key: 'tenants/acme/k0' },
          { type: 'set', key: 'tenants/acme/new1', value: Buffer.from('v') },
          { type: 'set', key: 'tenants/acme/new2', value: Buffer.from('v') },
        ],
        failure: [],
      });
    } finally {
      await store.close();
    }
  });

  it('bytes count key and value; the usage after reopening is the same, counted from the stored keys', async () => {
    const dir = await tempDir();
    let { store, quotas } = await open(dir);
    // "tenants/tiny/a" is 14 bytes: with a 50-byte value, 64 of the 100.
    await store.set('tenants/tiny/a', Buffer.alloc(50));
    const err = await store.set('tenants/tiny/b', Buffer.alloc(30)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExceededError);
    expect((err as QuotaExceededError).message).toMatch(
      /^namespace "tiny" is at its quota of 100 bytes: it holds 64 bytes and this write adds 44/,
    );
    await store.set('tenants/tiny/a', Buffer.alloc(10));
    await store.set('tenants/tiny/b', Buffer.alloc(30));
    const counted = usage(quotas, 'tiny');
    expect(counted).toMatchObject({ keys: 2, bytes: 24 + 44 });
    await store.close();
    ({ store, quotas } = await open(dir));
    try {
      expect(usage(quotas, 'tiny')).toEqual(counted);
      await expect(store.set('tenants/tiny/c', Buffer.alloc(40))).rejects.toBeInstanceOf(QuotaExceededError);
    } finally {
      await store.close();
    }
  });
});
