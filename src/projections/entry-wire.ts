import type { KeyEntry } from './key-entry.js';
import { keyEntry, storedValueBytes, toStoredValue } from './key-entry.js';

/**
 * A key entry in files (checkpoints, backups): the MessagePack array
 * `[key, value (bin), createRevision, modRevision, version, expiresAt]`.
 */
export type EntryWire = [string, Uint8Array, number, number, number, number];

/** The wire form of an entry. */
export function entryToWire(e: KeyEntry): EntryWire {
  return [e.key, storedValueBytes(e.value), e.createRevision, e.modRevision, e.version, e.expiresAt];
}

/** An entry from its wire form; returns null when `wire` does not have that shape. */
export function entryFromWire(wire: unknown): KeyEntry | null {
  if (!Array.isArray(wire) || wire.length < 6) return null;
  const [key, value, createRevision, modRevision, version, expiresAt] = wire as unknown[];
  if (
    typeof key !== 'string' ||
    !(value instanceof Uint8Array) ||
    typeof createRevision !== 'number' ||
    typeof modRevision !== 'number' ||
    typeof version !== 'number' ||
    typeof expiresAt !== 'number'
  ) {
    return null;
  }
  return keyEntry(key, toStoredValue(value), createRevision, modRevision, version, expiresAt);
}
