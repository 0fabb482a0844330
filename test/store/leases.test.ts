import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import { restore } from '../../src/backup/restore.js';
import { decodeRecord, encodeRecord } from '../../src/log/codec.js';
import { readCheckpoint, writeCheckpoint } from '../../src/projections/checkpoint-file.js';
import type { AppliedRecord } from '../../src/projections/key-state.js';
import { KeyState } from '../../src/projections/key-state.js';
import { KvStore } from '../../src/store/kv-store.js';
import { LeaseExistsError, LeaseNotFoundError } from '../../src/store/lease-errors.js';
import { LeaseTtlTooLargeError } from '../../src/store/leases.js';
import { writeBackup } from '../helpers/backup.js';
import { tempDir } from '../helpers/temp-dir.js';

/* The store's leases (etcd's lessor over the log); the etcd API over them: test/etcd/etcd-leases.test.ts. */

const b = (s: string) => Buffer.from(s);

/** The next applied record that holds a lease event, as the feed delivers it. */
function nextLeaseRecord(store: KvStore): Promise<AppliedRecord> {
  return firstValueFrom(
    store.feed.pipe(filter((batch) => batch.some((a) => a.record.leases !== undefined))),
  ).then((batch) => batch.find((a) => a.record.leases !== undefined)!);
}

describe('leases in the store', () => {
  it('grant, attach, revoke: the keys go in one revision with the lease', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    try {
      const granted = await store.leases.grant(0, 60);
      expect(granted.id).toBeGreaterThan(0);
      expect(granted.ttl).toBe(60);
      await store.set('a', b('1'), { lease: granted.id });
      await store.set('b', b('2'), { lease: granted.id });
      await store.set('c', b('3'));
      expect(store.leaseOf('a')).toBe(granted.id);
      expect(store.leaseOf('c')).toBe(0);
      expect(store.leases.timeToLive(granted.id, true)).toMatchObject({ grantedTtl: 60, keys: ['a', 'b'] });
      expect(store.leases.list()).toEqual([granted.id]);

      const ended = nextLeaseRecord(store);
      const { revision } = await store.leases.revoke(granted.id);
      const applied = await ended;
      expect(applied.record.revision).toBe(revision);
      expect(applied.record.events.map((e) => `${e.type} ${e.key}`)).toEqual(['delete a', 'delete b']);
      expect(applied.record.leases).toEqual([{ type: 'lease-revoke', lease: granted.id, expired: false }]);
      expect(store.get('a').entry).toBeUndefined();
      expect(store.get('c').entry).toBeDefined();
      expect(store.leases.timeToLive(granted.id, false)).toBeNull();
      await expect(store.leases.revoke(granted.id)).rejects.toBeInstanceOf(LeaseNotFoundError);
      await expect(store.set('x', b('1'), { lease: granted.id })).rejects.toBeInstanceOf(LeaseNotFoundError);
      expect(await store.leases.keepAlive(granted.id)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("refuses a taken ID and a TTL over etcd's limit, raises a short TTL to etcd's minimum", async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    try {
      await store.leases.grant(7, 30);
      await expect(store.leases.grant(7, 30)).rejects.toBeInstanceOf(LeaseExistsError);
      await expect(store.leases.grant(8, 9_000_000_001)).rejects.toBeInstanceOf(LeaseTtlTooLargeError);
      expect((await store.leases.grant(9, 1)).ttl).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('expiry deletes the keys in one revision; a keep-alive puts it off', async () => {
    const store = await KvStore.open({ dataDir: await tempDir(), expiry: { intervalMs: 10 } });
    try {
      const kept = await store.leases.grant(1, 2);
      const short = await store.leases.grant(2, 2);
      await store.set('kept', b('k'), { lease: kept.id });
      await store.set('s/1', b('1'), { lease: short.id });
      await store.set('s/2', b('2'), { lease: short.id });
      const timer = setInterval(() => void store.leases.keepAlive(kept.id), 300);
      try {
        const ended = await nextLeaseRecord(store);
        expect(ended.record.leases).toEqual([{ type: 'lease-revoke', lease: short.id, expired: true }]);
        expect(ended.record.events.map((e) => `${e.type} ${e.key}`)).toEqual(['expire s/1', 'expire s/2']);
      } finally {
        clearInterval(timer);
      }
      expect(store.get('kept').entry).toBeDefined();
      expect(store.leases.list()).toEqual([kept.id]);
    } finally {
      await store.close();
    }
  });

  it('a lease and its keys survive a restart (checkpoint and replay), with the full TTL again', async () => {
    const dataDir = await tempDir();
    let store = await KvStore.open({ dataDir });
    const { id } = await store.leases.grant(0, 100);
    await store.set('k', b('v'), { lease: id });
    await store.close(); // writes a checkpoint holding the lease
    store = await KvStore.open({ dataDir, checkpoint: { everyRevisions: 1_000_000 } });
    try {
      expect(store.leases.timeToLive(id, true)).toMatchObject({ grantedTtl: 100, keys: ['k'] });
      expect(store.leases.timeToLive(id, false)!.ttl).toBeGreaterThanOrEqual(99);
      // A lease granted after the checkpoint comes back from the log alone.
      const second = await store.leases.grant(0, 50);
      await store.set('k2', b('v'), { lease: second.id });
    } finally {
      await store.close();
    }
    store = await KvStore.open({ dataDir });
    try {
      expect(store.leaseOf('k2')).toBe(store.leases.list().find((l) => l !== id));
      expect(store.leases.list()).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it('a full backup and an incremental carry the leases; the restored store keeps and expires them', async () => {
    const dir = await tempDir();
    const source = await KvStore.open({ dataDir: join(dir, 'source') });
    const restoredDir = join(dir, 'restored');
    let restored: KvStore | undefined;
    try {
      // In the full backup's state (its entries and lease frame)...
      const long = await source.leases.grant(0, 300);
      await source.set('full/1', b('a'), { lease: long.id });
      await writeBackup(source, 0, join(dir, 'full.kvb'));
      const fullEnd = source.revision;
      // ...and in the incremental's records.
      const short = await source.leases.grant(0, 2);
      await source.set('incr/1', b('b'), { lease: short.id });
      await writeBackup(source, fullEnd + 1, join(dir, 'incr.kvb'));
      await restore({ inputs: [join(dir, 'full.kvb'), join(dir, 'incr.kvb')], dataDir: restoredDir });
      restored = await KvStore.open({ dataDir: restoredDir, expiry: { intervalMs: 10 } });
      expect(restored.leases.timeToLive(long.id, true)).toMatchObject({ grantedTtl: 300, keys: ['full/1'] });
      expect(restored.leases.timeToLive(short.id, true)).toMatchObject({ grantedTtl: 2, keys: ['incr/1'] });
      const ended = await nextLeaseRecord(restored);
      expect(ended.record.leases).toEqual([{ type: 'lease-revoke', lease: short.id, expired: true }]);
      expect(restored.get('incr/1').entry).toBeUndefined();
      expect(restored.get('full/1').entry).toBeDefined();
    } finally {
      await restored?.close();
      await source.close();
    }
  });

  it('Txn: LEASE compares and puts with a lease', async () => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    try {
      const { id } = await store.leases.grant(0, 60);
      const put = await store.txn({
        compares: [{ key: 'k', target: 'lease', op: 'equal', operand: 0 }],
        success: [{ type: 'set', key: 'k', value: b('v'), lease: id }],
        failure: [],
      });
      expect(put.succeeded).toBe(true);
      const check = await store.txn({
        compares: [{ key: 'k', target: 'lease', op: 'equal', operand: id }],
        success: [{ type: 'get', key: 'k' }],
        failure: [],
      });
      expect(check.succeeded).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('a checkpoint without leases has the format before leases; one with leases carries them', async () => {
    const dir = await tempDir();
    const state = new KeyState();
    state.apply({
      revision: 1,
      timeMs: 0,
      events: [],
      leases: [{ type: 'lease-grant', lease: 5, ttlSeconds: 9 }],
    });
    state.apply({
      revision: 2,
      timeMs: 0,
      events: [
        {
          type: 'put',
          key: 'k',
          value: b('v'),
          expiresAt: 0,
          createRevision: 2,
          version: 1,
          prevRevision: 0,
          lease: 5,
        },
      ],
    });
    const without = join(dir, 'without');
    const withLeases = join(dir, 'with');
    await writeCheckpoint(without, 2, state.index.snapshot());
    await writeCheckpoint(withLeases, 2, state.index.snapshot(), state.leases.toWire());
    const seen: unknown[] = [];
    // The file without leases is byte for byte what a build before leases wrote: it has no lease frame.
    expect(
      (
        await readCheckpoint(
          without,
          () => {},
          (l) => seen.push(l),
        )
      ).leaseCount,
    ).toBeUndefined();
    expect(seen).toEqual([]);
    const header = await readCheckpoint(
      withLeases,
      () => {},
      (l) => seen.push(l),
    );
    expect(header.leaseCount).toBe(1);
    expect(seen).toEqual([[[5, 9, ['k']]]]);
  });

  it('records before leases decode unchanged; a put without a lease has the same bytes as before', () => {
    const put = {
      type: 'put' as const,
      key: 'k',
      value: b('v'),
      expiresAt: 0,
      createRevision: 1,
      version: 1,
      prevRevision: 0,
    };
    const plain = encodeRecord(1, 5, [put]);
    expect(decodeRecord(1, plain)).toEqual({ revision: 1, timeMs: 5, events: [put] });
    const leased = encodeRecord(1, 5, [
      { ...put, lease: 9 },
      { type: 'lease-grant', lease: 9, ttlSeconds: 3 },
    ]);
    expect(leased.length).toBeGreaterThan(plain.length);
    expect(decodeRecord(1, leased)).toEqual({
      revision: 1,
      timeMs: 5,
      events: [{ ...put, lease: 9 }],
      leases: [{ type: 'lease-grant', lease: 9, ttlSeconds: 3 }],
    });
  });
});
