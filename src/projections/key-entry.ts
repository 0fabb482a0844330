/**
 * A value's bytes as held in memory: a one-byte ("latin1") string with one character per byte. V8 stores
 * such strings inline in the heap, about 16 bytes of overhead, where a Buffer costs an object, an
 * ArrayBuffer and a separate allocation; at a million keys that is the difference between fitting in
 * 350 MB or not. Convert only at the edges with {@link toStoredValue} and {@link storedValueBytes}.
 */
export type StoredValue = string;

/** Copies bytes into their in-memory form. */
export function toStoredValue(bytes: Uint8Array): StoredValue {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Returns a new Buffer with the bytes of a stored value. */
export function storedValueBytes(value: StoredValue): Buffer {
  return Buffer.from(value, 'latin1');
}

/** The current state of one key. Immutable: a change replaces the entry, so snapshots can share them. */
export interface KeyEntry {
  readonly key: string;
  readonly value: StoredValue;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  /** Absolute epoch milliseconds after which the key is gone; 0 when it never expires. */
  readonly expiresAt: number;
}

/** Builds a {@link KeyEntry} (always through here, so every entry has the same hidden class). */
export function keyEntry(
  key: string,
  value: StoredValue,
  createRevision: number,
  modRevision: number,
  version: number,
  expiresAt: number,
): KeyEntry {
  return { key, value, createRevision, modRevision, version, expiresAt };
}

/** True when the entry has not expired at `nowMs`. */
export function isLive(entry: KeyEntry, nowMs: number): boolean {
  return entry.expiresAt === 0 || entry.expiresAt > nowMs;
}
