import { storedValueBytes } from '../../src/projections/key-entry.js';
import type { KvStore } from '../../src/store/kv-store.js';

/** Every entry of the state with its metadata, expired or not, for comparing two states. */
export function dumpState(store: KvStore): unknown[] {
  return [...store.snapshot().entries.entries()].map((e) => [
    e.key,
    storedValueBytes(e.value).toString('hex'),
    e.createRevision,
    e.modRevision,
    e.version,
    e.expiresAt,
  ]);
}

/** A history with puts, overwrites, deletes, TTLs, binary values and non-ASCII keys. */
export async function writeHistory(store: KvStore, writes: number, seed = 1): Promise<void> {
  for (let i = 0; i < writes; i++) {
    const n = (i * 7919 + seed * 104729) % 97;
    const key = n % 5 === 0 ? `ключ/${n % 13}` : `key/${n % 29}`;
    if (n % 11 === 0) await store.delete(key);
    else {
      const value = n % 3 === 0 ? Buffer.from([0, 255, n, i & 0xff]) : Buffer.from(`value ${i} ${seed}`);
      await store.set(key, value, n % 7 === 0 ? { ttlMs: 3_600_000 } : {});
    }
  }
}
