import type { KeySpan } from '../keys/key-order.js';
import { compareKeys, spanContains, spanEnded, spanStart } from '../keys/key-order.js';
import type { KeyEntry } from './key-entry.js';
import type { KeyIndex } from './key-index.js';
import type { AppliedRecord } from './key-state.js';

/**
 * One state of a key: from `revision` on (0: from before the index began), `entry` (null: absent),
 * attached to `lease` (0: none; a lease is set by the put that made the entry).
 */
interface Version {
  readonly revision: number;
  readonly entry: KeyEntry | null;
  readonly lease: number;
}

/**
 * Heap bytes a state costs beyond its key and value (version object, entry object, list slot, string
 * headers): measured 268 bytes per state at 100-byte values and 5-byte keys (docs/etcd.md).
 */
export const STATE_OVERHEAD_BYTES = 170;

function costOf(key: string, entry: KeyEntry | null): number {
  return STATE_OVERHEAD_BYTES + key.length + (entry === null ? 0 : entry.value.length);
}

/** Which keys a read at a past revision names: one key, or a span. */
export type HistorySelector = { readonly kind: 'key'; readonly key: string } | KeySpan;

/**
 * The history of the keys changed since revision `from`, as a reducer of the store's feed: for each such
 * key, its states in revision order (the first being the one it had at `from`). With the current key index
 * it answers the state at any revision R >= `from` without replaying the log: a key it does not hold is
 * unchanged since `from`, so its current entry is its entry at R; a key it holds is looked up by binary
 * search. A range read merges the current index's scan with the sorted changed keys: O(log n + k + c),
 * c the keys of the range changed since `from`.
 *
 * Held in memory, never persisted (it starts again at the revision a process starts at). Compaction drops
 * the states nobody can read any more; {@link trimTo} bounds it when compaction does not run.
 */
export class HistoryIndex {
  /** Keys with a history, in UTF-8 byte order (once {@link pending} is merged in). */
  private keys: string[] = [];
  /** Keys that got a history since the last read, unsorted: sorted and merged when a read needs them. */
  private pending: string[] = [];
  private readonly versions = new Map<string, Version[]>();
  private retained = 0;
  private heldBytes = 0;

  constructor(
    /** Reads at revisions from here on are answered. */
    private first: number,
  ) {}

  /** The oldest revision this index answers. */
  get from(): number {
    return this.first;
  }

  /** States held. */
  get size(): number {
    return this.retained;
  }

  /** Estimated heap bytes held: each state's key and value plus {@link STATE_OVERHEAD_BYTES}. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Records the changes of applied records (in revision order, as the feed emits them). */
  apply(applied: readonly AppliedRecord[]): void {
    for (const { record, changes } of applied) {
      for (let i = 0; i < changes.length; i++) {
        const change = changes[i]!;
        const event = record.events[i];
        const lease = change.entry !== null && event?.type === 'put' ? (event.lease ?? 0) : 0;
        let list = this.versions.get(change.key);
        if (list === undefined) {
          list = [{ revision: 0, entry: change.prev, lease: change.prevLease }];
          this.versions.set(change.key, list);
          this.pending.push(change.key);
          this.retained++;
          this.heldBytes += costOf(change.key, change.prev);
        }
        list.push({ revision: record.revision, entry: change.entry, lease });
        this.retained++;
        this.heldBytes += costOf(change.key, change.entry);
      }
    }
  }

  /**
   * The entry of `key` at `revision` (>= {@link from}): null when it did not exist then, undefined when the
   * key has not changed since `from` (its current entry is its entry at `revision`).
   */
  at(key: string, revision: number): KeyEntry | null | undefined {
    return this.find(key, revision)?.entry;
  }

  /**
   * The lease `key` was attached to at `revision` (>= {@link from}; 0: none), undefined when the key has
   * not changed since `from` (its current lease is its lease at `revision`).
   */
  leaseAt(key: string, revision: number): number | undefined {
    return this.find(key, revision)?.lease;
  }

  private find(key: string, revision: number): Version | undefined {
    const list = this.versions.get(key);
    if (list === undefined) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    // The last state whose revision is <= `revision` (the first one, at 0, always qualifies).
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (list[mid]!.revision <= revision) lo = mid;
      else hi = mid - 1;
    }
    return list[lo]!;
  }

  /** The entries of `selector` at `revision` (>= {@link from}), in key order, given the current index. */
  *read(index: KeyIndex, selector: HistorySelector, revision: number): Generator<KeyEntry> {
    if (selector.kind === 'key') {
      const past = this.at(selector.key, revision);
      const entry = past === undefined ? index.get(selector.key) : past;
      if (entry) yield entry;
      return;
    }
    const span: KeySpan = selector;
    this.settle();
    const current = index.scan(spanStart(span))[Symbol.iterator]();
    const nextCurrent = (): KeyEntry | null => {
      for (let r = current.next(); !r.done; r = current.next()) {
        const entry = r.value;
        if (spanEnded(span, entry.key)) return null;
        if (spanContains(span, entry.key) && !this.versions.has(entry.key)) return entry;
      }
      return null;
    };
    let i = this.lowerBound(spanStart(span));
    const nextChanged = (): KeyEntry | null => {
      for (; i < this.keys.length; i++) {
        const key = this.keys[i]!;
        if (spanEnded(span, key)) return null;
        if (!spanContains(span, key)) continue;
        const entry = this.at(key, revision);
        if (entry) {
          i++;
          return entry;
        }
      }
      return null;
    };
    let a = nextCurrent();
    let b = nextChanged();
    while (a !== null || b !== null) {
      if (b === null || (a !== null && compareKeys(a.key, b.key) < 0)) {
        yield a!;
        a = nextCurrent();
      } else {
        yield b;
        b = nextChanged();
      }
    }
  }

  /**
   * Forgets the states no read at `revision` or later needs (after a compaction to `revision`, or to bound
   * memory): each key keeps its state at `revision` and the later ones; a key left with one state is
   * unchanged since, and leaves.
   */
  trimTo(revision: number): void {
    if (revision <= this.first) return;
    this.first = revision;
    this.settle();
    const keep: string[] = [];
    for (const key of this.keys) {
      const list = this.versions.get(key)!;
      let at = 0;
      while (at + 1 < list.length && list[at + 1]!.revision <= revision) at++;
      const rest = list.slice(at);
      this.retained -= at;
      for (let d = 0; d < at; d++) this.heldBytes -= costOf(key, list[d]!.entry);
      if (rest.length === 1) {
        this.versions.delete(key);
        this.retained--;
        this.heldBytes -= costOf(key, rest[0]!.entry);
      } else {
        this.versions.set(key, rest);
        keep.push(key);
      }
    }
    this.keys = keep;
  }

  /** Merges the pending keys into the sorted ones: O(n + p log p) once per read after writes. */
  private settle(): void {
    if (this.pending.length === 0) return;
    const added = this.pending.sort(compareKeys);
    this.pending = [];
    const merged: string[] = new Array(this.keys.length + added.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.keys.length || j < added.length) {
      merged[k++] =
        j === added.length || (i < this.keys.length && compareKeys(this.keys[i]!, added[j]!) < 0)
          ? this.keys[i++]!
          : added[j++]!;
    }
    this.keys = merged;
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(this.keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
