import { afterEach, describe, expect, it } from 'vitest';
import { UNRESTRICTED } from '../../src/service/access.js';
import type { EtcdRangeInput } from '../../src/service/etcd-messages.js';
import { EtcdKvOperations } from '../../src/service/etcd-operations.js';
import { KvStore } from '../../src/store/kv-store.js';
import { etcdRangeInput } from '../helpers/etcd-range-input.js';
import { tempDir } from '../helpers/temp-dir.js';

/*
 * Reads at past revisions through the history index (src/projections/history-index.ts): random puts,
 * deletes and range deletes on a real store; the state at every revision, read back at random, must equal
 * what the state was when that revision was current. Compaction (and the memory cap) trim the index; reads
 * at or after the compact revision stay right.
 */

const open: { store: KvStore; ops: EtcdKvOperations }[] = [];
it('starts the history index at the first read of a past revision, not before', async () => {
  const store = await KvStore.open({ dataDir: await tempDir() });
  const ops = new EtcdKvOperations(store, { maxResponseBytes: 4 << 20 });
  open.push({ store, ops });
  for (let i = 0; i < 10; i++) await store.set('key', Buffer.from(`v${i}`));
  expect(ops.historySize).toBe(0);
  // The first past read is rebuilt; it starts the index, which holds what changes from then on.
  expect((await ops.range(all(5), UNRESTRICTED)).kvs[0]!.value.toString()).toBe('v4');
  await store.set('key', Buffer.from('v10'));
  expect(ops.historySize).toBe(2);
  expect((await ops.range(all(10), UNRESTRICTED)).kvs[0]!.value.toString()).toBe('v9');
});

afterEach(async () => {
  for (const { store, ops } of open.splice(0)) {
    ops.close();
    await store.close();
  }
});

const all = (revision: number): EtcdRangeInput =>
  etcdRangeInput({ key: Buffer.from([0]), range_end: Buffer.from([0]), revision });

async function scenario(maxHistoryBytes?: number) {
  const store = await KvStore.open({ dataDir: await tempDir() });
  const ops = new EtcdKvOperations(store, {
    maxResponseBytes: 4 << 20,
    maxHistoryBytes,
    historyFrom: 'start',
  });
  open.push({ store, ops });
  // Some history before the index began: reads there are rebuilt from the log instead.
  for (let i = 0; i < 5; i++) await store.set(`k/${i}`, Buffer.from(`before-${i}`));
  const states = new Map<number, string>();
  const show = async (revision: number) => {
    const out = await ops.range(all(revision), UNRESTRICTED);
    return out.kvs.map((kv) => `${kv.key}=${kv.value}@${kv.mod_revision}/${kv.version}`).join(' ');
  };
  states.set(store.revision, await show(0));
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 300; i++) {
    const key = `k/${random(20)}`;
    const roll = random(10);
    if (roll < 6) await store.set(key, Buffer.from(`v${i}`));
    else if (roll < 9)
      await ops.deleteRange(
        { key: Buffer.from(key), range_end: Buffer.alloc(0), prev_kv: false },
        UNRESTRICTED,
      );
    else await store.deleteRange({ kind: 'prefix', prefix: `k/1` });
    states.set(store.revision, await show(0));
  }
  return { store, ops, states, show };
}

describe('etcd Range at a past revision', () => {
  it('answers the state at every revision since the index began', async () => {
    const { store, ops, states, show } = await scenario();
    expect(ops.historySize).toBeGreaterThan(0);
    for (const [revision, expected] of states) {
      if (revision < store.revision) expect(await show(revision), `revision ${revision}`).toBe(expected);
    }
  });

  it('keeps answering at and after the compact revision once compacted', async () => {
    const { store, ops, states, show } = await scenario();
    const revisions = [...states.keys()].filter((r) => r < store.revision);
    const compactTo = revisions[Math.floor(revisions.length / 2)]!;
    const before = ops.historySize;
    await ops.compact(compactTo, UNRESTRICTED);
    // Compaction trimmed the index: fewer states, the ones still readable kept.
    await store.set('k/after', Buffer.from('x'));
    expect(ops.historySize).toBeLessThan(before);
    for (const revision of revisions.filter((r) => r >= compactTo)) {
      expect(await show(revision), `revision ${revision}`).toBe(states.get(revision));
    }
    await expect(show(compactTo - 1)).rejects.toThrow('required revision has been compacted');
  });

  it('stays within its memory cap, answering older revisions by rebuilding them', async () => {
    // About 50 states' worth.
    const { store, ops, states, show } = await scenario(50 * 180);
    expect(ops.historySize).toBeGreaterThan(0);
    expect(ops.historySize).toBeLessThanOrEqual(50);
    for (const [revision, expected] of states) {
      if (revision < store.revision) expect(await show(revision), `revision ${revision}`).toBe(expected);
    }
  });
});
