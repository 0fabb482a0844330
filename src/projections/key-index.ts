import { compareKeys, comparesNatively } from '../keys/key-order.js';
import type { KeyEntry, StoredValue } from './key-entry.js';
import { keyEntry } from './key-entry.js';

const MAX_CHUNK = 512;
const MIN_CHUNK = 128;
/** Numbers kept per entry in `Chunk.meta`: createRevision, modRevision, version, expiresAt. */
const META = 4;

/**
 * A run of consecutive entries, stored column by column: no object per entry, which at a million keys saves
 * about 30 MB of heap and a third of the objects the garbage collector has to trace.
 */
interface Chunk {
  readonly keys: string[];
  readonly values: StoredValue[];
  readonly meta: number[];
  /** Held by a snapshot: copy before changing it. */
  shared: boolean;
}

/** A frozen view of the index at one moment, for a checkpoint writer working in the background. */
export interface IndexSnapshot {
  readonly size: number;
  /** Entries in key order, materialised one by one. */
  entries(): IterableIterator<KeyEntry>;
}

/**
 * Every key's current entry, in UTF-8 byte order of the keys, as a list of sorted chunks of at most 512
 * (the "sorted list of lists" shape): a lookup is two binary searches, an insert shifts at most one chunk,
 * a scan walks the chunks in order, so a prefix or range read of k entries costs O(log n + k).
 * Snapshots are copy-on-write at chunk granularity.
 */
export class KeyIndex {
  private chunks: Chunk[] = [];
  private count = 0;

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  get(key: string): KeyEntry | undefined {
    const native = comparesNatively(key);
    const c = this.chunkFor(key, native);
    if (c === this.chunks.length) return undefined;
    const chunk = this.chunks[c]!;
    const i = lowerBound(chunk.keys, key, native);
    return chunk.keys[i] === key ? entryAt(chunk, i) : undefined;
  }

  /** Inserts or replaces the entry with the same key; returns the one replaced. */
  set(entry: KeyEntry): KeyEntry | undefined {
    if (this.chunks.length === 0) {
      this.chunks.push(newChunk([entry.key], [entry.value], metaOf(entry)));
      this.count = 1;
      return undefined;
    }
    const native = comparesNatively(entry.key);
    let c = this.chunkFor(entry.key, native);
    if (c === this.chunks.length) c--; // beyond every key: append to the last chunk
    const chunk = this.writable(c);
    const i = lowerBound(chunk.keys, entry.key, native);
    if (chunk.keys[i] === entry.key) {
      const prev = entryAt(chunk, i);
      chunk.values[i] = entry.value;
      writeMeta(chunk.meta, i, entry);
      return prev;
    }
    chunk.keys.splice(i, 0, entry.key);
    chunk.values.splice(i, 0, entry.value);
    chunk.meta.splice(i * META, 0, entry.createRevision, entry.modRevision, entry.version, entry.expiresAt);
    this.count++;
    if (chunk.keys.length > MAX_CHUNK) this.split(c);
    return undefined;
  }

  /** Removes the entry with `key`; returns it. */
  delete(key: string): KeyEntry | undefined {
    const native = comparesNatively(key);
    const c = this.chunkFor(key, native);
    if (c === this.chunks.length) return undefined;
    const i = lowerBound(this.chunks[c]!.keys, key, native);
    if (this.chunks[c]!.keys[i] !== key) return undefined;
    const chunk = this.writable(c);
    const prev = entryAt(chunk, i);
    chunk.keys.splice(i, 1);
    chunk.values.splice(i, 1);
    chunk.meta.splice(i * META, META);
    this.count--;
    if (chunk.keys.length === 0) this.chunks.splice(c, 1);
    else if (chunk.keys.length < MIN_CHUNK && c + 1 < this.chunks.length) this.mergeWithNext(c);
    return prev;
  }

  /** Entries with key >= `from` (or > `from` when `exclusive`), in key order; do not change the index meanwhile. */
  *scan(from: string, exclusive = false): IterableIterator<KeyEntry> {
    const native = comparesNatively(from);
    let c = this.chunkFor(from, native);
    if (c === this.chunks.length) return;
    let i = lowerBound(this.chunks[c]!.keys, from, native);
    if (exclusive && this.chunks[c]!.keys[i] === from) i++;
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c]!;
      for (; i < chunk.keys.length; i++) yield entryAt(chunk, i);
    }
  }

  /** Every entry in key order; do not change the index meanwhile (see {@link snapshot} for that). */
  values(): IterableIterator<KeyEntry> {
    return snapshotOf(this.chunks, this.count).entries();
  }

  /** A point-in-time view that later changes do not affect (chunks are copied when next written). */
  snapshot(): IndexSnapshot {
    for (const chunk of this.chunks) chunk.shared = true;
    return snapshotOf(this.chunks.slice(), this.count);
  }

  /** Appends an entry whose key sorts after every key present (bulk load of sorted data, O(1)). */
  appendSorted(entry: KeyEntry): void {
    let last = this.chunks.at(-1);
    if (last !== undefined && compareKeys(last.keys.at(-1)!, entry.key) >= 0) {
      throw new Error(`appendSorted: "${entry.key}" does not sort after "${last.keys.at(-1)!}"`);
    }
    if (last === undefined || last.keys.length >= MAX_CHUNK || last.shared) {
      last = newChunk([], [], []);
      this.chunks.push(last);
    }
    last.keys.push(entry.key);
    last.values.push(entry.value);
    last.meta.push(entry.createRevision, entry.modRevision, entry.version, entry.expiresAt);
    this.count++;
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** Index of the first chunk whose last key is >= key (chunks.length when there is none). */
  private chunkFor(key: string, native: boolean): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const keys = this.chunks[mid]!.keys;
      const last = keys[keys.length - 1]!;
      if (native ? last < key : compareKeys(last, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The chunk at `c`, copied first if a snapshot holds it. */
  private writable(c: number): Chunk {
    const chunk = this.chunks[c]!;
    if (!chunk.shared) return chunk;
    const copy = newChunk(chunk.keys.slice(), chunk.values.slice(), chunk.meta.slice());
    this.chunks[c] = copy;
    return copy;
  }

  /** Splits a full chunk in two fresh halves (slicing, not splicing, so neither keeps the full capacity). */
  private split(c: number): void {
    const { keys, values, meta } = this.chunks[c]!;
    const half = keys.length >> 1;
    const left = newChunk(keys.slice(0, half), values.slice(0, half), meta.slice(0, half * META));
    const right = newChunk(keys.slice(half), values.slice(half), meta.slice(half * META));
    this.chunks.splice(c, 1, left, right);
  }

  private mergeWithNext(c: number): void {
    const next = this.chunks[c + 1]!;
    if (this.chunks[c]!.keys.length + next.keys.length > MAX_CHUNK) return;
    const chunk = this.writable(c);
    for (let i = 0; i < next.keys.length; i++) {
      chunk.keys.push(next.keys[i]!);
      chunk.values.push(next.values[i]!);
    }
    for (const n of next.meta) chunk.meta.push(n);
    this.chunks.splice(c + 1, 1);
  }
}

function newChunk(keys: string[], values: StoredValue[], meta: number[]): Chunk {
  return { keys, values, meta, shared: false };
}

function metaOf(entry: KeyEntry): number[] {
  return [entry.createRevision, entry.modRevision, entry.version, entry.expiresAt];
}

function writeMeta(meta: number[], i: number, entry: KeyEntry): void {
  const at = i * META;
  meta[at] = entry.createRevision;
  meta[at + 1] = entry.modRevision;
  meta[at + 2] = entry.version;
  meta[at + 3] = entry.expiresAt;
}

function entryAt(chunk: Chunk, i: number): KeyEntry {
  const at = i * META;
  const m = chunk.meta;
  return keyEntry(chunk.keys[i]!, chunk.values[i]!, m[at]!, m[at + 1]!, m[at + 2]!, m[at + 3]!);
}

function snapshotOf(chunks: readonly Chunk[], size: number): IndexSnapshot {
  return {
    size,
    *entries() {
      for (const chunk of chunks) for (let i = 0; i < chunk.keys.length; i++) yield entryAt(chunk, i);
    },
  };
}

/** Index of the first key >= key (`native`: see {@link comparesNatively}). */
function lowerBound(keys: readonly string[], key: string, native: boolean): number {
  let lo = 0;
  let hi = keys.length;
  if (native) {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
