import { createHash, type Hash } from 'node:crypto';
import type { KeyEntry } from './key-entry.js';

/**
 * HashKV: a digest of the key state at one revision, so that two stores (or a store and a restored backup)
 * can be compared without shipping the data. Defined in docs/backup.md, and here:
 *
 *   SHA-256 over every entry of the state, in UTF-8 byte order of the keys, each as
 *     u32 key length | key (UTF-8) | u32 value length | value | u64 createRevision | u64 modRevision
 *     | u64 version | u64 expiresAt          (all integers big-endian)
 *
 * "The state" is what the log's records up to that revision produce: a key whose TTL has passed but whose
 * EXPIRE event comes later is still in it. The clock plays no part, so the hash of a revision never
 * changes. The revision itself is not hashed (it is reported next to the hash).
 */
export class StateHasher {
  private readonly hash: Hash = createHash('sha256');
  private readonly buffer = Buffer.allocUnsafe(256 * 1024);
  private used = 0;
  private count = 0;

  /** Entries added so far. */
  get keys(): number {
    return this.count;
  }

  /** Adds the next entry; entries must come in key order. */
  add(entry: KeyEntry): void {
    const keyBytes = Buffer.byteLength(entry.key, 'utf8');
    // Stored values are one char per byte, so their length is their size in bytes.
    const size = 4 + keyBytes + 4 + entry.value.length + 32;
    if (this.used + size > this.buffer.length) this.flush();
    if (size > this.buffer.length) {
      this.addLarge(entry, keyBytes);
      return;
    }
    const b = this.buffer;
    let at = this.used;
    b.writeUInt32BE(keyBytes, at);
    at += 4 + b.write(entry.key, at + 4, 'utf8');
    b.writeUInt32BE(entry.value.length, at);
    at += 4 + b.write(entry.value, at + 4, 'latin1');
    at = writeU64(b, at, entry.createRevision);
    at = writeU64(b, at, entry.modRevision);
    at = writeU64(b, at, entry.version);
    this.used = writeU64(b, at, entry.expiresAt);
    this.count++;
  }

  /** The hash as lowercase hex (call once). */
  digest(): string {
    this.flush();
    return this.hash.digest('hex');
  }

  private addLarge(entry: KeyEntry, keyBytes: number): void {
    const head = Buffer.allocUnsafe(4 + keyBytes + 4);
    head.writeUInt32BE(keyBytes, 0);
    head.write(entry.key, 4, 'utf8');
    head.writeUInt32BE(entry.value.length, 4 + keyBytes);
    const tail = Buffer.allocUnsafe(32);
    let at = writeU64(tail, 0, entry.createRevision);
    at = writeU64(tail, at, entry.modRevision);
    at = writeU64(tail, at, entry.version);
    writeU64(tail, at, entry.expiresAt);
    this.hash.update(head);
    this.hash.update(Buffer.from(entry.value, 'latin1'));
    this.hash.update(tail);
    this.count++;
  }

  private flush(): void {
    if (this.used > 0) this.hash.update(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/** The result of a HashKV. */
export interface StateHash {
  /** Lowercase hex SHA-256, as defined by {@link StateHasher}. */
  readonly hash: string;
  /** Entries hashed. */
  readonly keys: number;
}

/**
 * Hashes entries in key order, yielding to the event loop every few thousand so that a server keeps
 * serving while it hashes a large state (iterate a snapshot, not a live index).
 */
export async function hashEntries(entries: Iterable<KeyEntry>): Promise<StateHash> {
  const hasher = new StateHasher();
  let sinceYield = 0;
  for (const entry of entries) {
    hasher.add(entry);
    if (++sinceYield === 8192) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return { hash: hasher.digest(), keys: hasher.keys };
}

function writeU64(b: Buffer, at: number, n: number): number {
  b.writeUInt32BE(Math.floor(n / 0x1_0000_0000), at);
  b.writeUInt32BE(n >>> 0, at + 4);
  return at + 8;
}
