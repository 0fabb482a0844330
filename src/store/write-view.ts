import type { KeySpan } from '../keys/key-order.js';
import { compareKeys, spanContains, spanEnded, spanStart } from '../keys/key-order.js';
import { isKeyEvent, type LogEvent, type LogRecord } from '../log/events.js';
import { storedValueBytes } from '../projections/key-entry.js';
import type { KeyState } from '../projections/key-state.js';

/** What a writer needs to know of a key's current incarnation. */
export interface KeyHead {
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly expiresAt: number;
}

/** A key's head with its key and value, as range reads at the serialisation point return them. */
export interface KeyRow extends KeyHead {
  readonly key: string;
  readonly value: Uint8Array;
  /** The lease this incarnation is attached to (0: none): etcd's KeyValue.lease, prev_kv's included. */
  readonly lease: number;
}

interface Staged {
  readonly revision: number;
  readonly head: KeyHead | null;
  readonly value: Uint8Array | null;
  /** The lease the staged put attaches the key to (0: none). */
  readonly lease: number;
}

/** A lease granted (ttl > 0) or ended (null) by a record not yet applied. */
interface StagedLease {
  readonly revision: number;
  readonly ttlSeconds: number | null;
}

/**
 * The state as the log's serialisation point sees it: the committed projection plus the records already
 * built into the batch being formed (not yet durable, so never shown to readers). Record builders use it to
 * stamp versions and check conditions; entries leave once their record is applied.
 */
export class WriteView {
  private readonly pending = new Map<string, Staged>();
  private readonly pendingLeases = new Map<number, StagedLease>();
  /** The highest revision staged since the view was last empty. */
  private newestStaged = 0;

  constructor(private readonly state: KeyState) {}

  /** The key's head at the serialisation point, or null when it does not exist (expired or not). */
  head(key: string): KeyHead | null {
    const staged = this.staged(key);
    if (staged !== undefined) return staged.head;
    return this.state.get(key) ?? null;
  }

  /** The lease `key` is attached to at the serialisation point (0: none, or the key does not exist). */
  leaseOf(key: string): number {
    const staged = this.staged(key);
    if (staged !== undefined) return staged.lease;
    return this.state.leases.leaseOf(key);
  }

  /** The TTL of lease `id` at the serialisation point, or null when no such lease exists. */
  leaseTtl(id: number): number | null {
    const staged = this.pendingLeases.get(id);
    if (staged !== undefined && staged.revision > this.state.revision) return staged.ttlSeconds;
    return this.state.leases.get(id)?.ttlSeconds ?? null;
  }

  /** The keys attached to lease `id` at the serialisation point, in no particular order. */
  leaseKeys(id: number): string[] {
    const keys: string[] = [];
    for (const key of this.state.leases.keysOf(id)) if (this.staged(key) === undefined) keys.push(key);
    for (const [key, staged] of this.pending) {
      if (staged.revision > this.state.revision && staged.lease === id && staged.head !== null)
        keys.push(key);
    }
    return keys;
  }

  /** The key's value at the serialisation point, or null when it does not exist. */
  value(key: string): Uint8Array | null {
    const staged = this.staged(key);
    if (staged !== undefined) return staged.value;
    const entry = this.state.get(key);
    return entry ? storedValueBytes(entry.value) : null;
  }

  /**
   * The keys of `span` at the serialisation point, in key order, expired ones included (callers decide),
   * at most `limit` of them (plus a flag saying whether there were more).
   */
  scan(span: KeySpan, limit: number): { rows: KeyRow[]; more: boolean } {
    const overrides = [...this.pending].filter(
      ([key, staged]) => staged.revision > this.state.revision && spanContains(span, key),
    );
    const rows: KeyRow[] = [];
    let more = false;
    const want = limit + overrides.length;
    for (const entry of this.state.index.scan(spanStart(span))) {
      if (spanEnded(span, entry.key)) break;
      if (!spanContains(span, entry.key)) continue;
      if (rows.length === want) {
        more = true;
        break;
      }
      if (this.staged(entry.key) !== undefined) continue;
      rows.push({
        ...entry,
        value: storedValueBytes(entry.value),
        lease: this.state.leases.leaseOf(entry.key),
      });
    }
    for (const [key, staged] of overrides) {
      if (staged.head !== null) rows.push({ key, ...staged.head, value: staged.value!, lease: staged.lease });
    }
    rows.sort((a, b) => compareKeys(a.key, b.key));
    if (rows.length > limit) {
      rows.length = limit;
      more = true;
    }
    return { rows, more };
  }

  /**
   * What a record not yet applied staged for `key`. An entry at or below the applied revision is stale
   * whatever happened to it (applied, or lost to another writer of a shared log) and never shadows the
   * projection.
   */
  private staged(key: string): Staged | undefined {
    const staged = this.pending.get(key);
    return staged !== undefined && staged.revision > this.state.revision ? staged : undefined;
  }

  /**
   * Forgets what attempts at `revision` or later staged: a backend that lost the race for a revision (or
   * could not reach its servers) builds the record again, and what the lost attempt staged never happened.
   */
  discardFrom(revision: number): void {
    if (revision > this.newestStaged) return;
    for (const [key, staged] of this.pending) if (staged.revision >= revision) this.pending.delete(key);
    for (const [id, staged] of this.pendingLeases)
      if (staged.revision >= revision) this.pendingLeases.delete(id);
    this.newestStaged = revision - 1;
  }

  /** Records the effect of a record being built at `revision`. */
  stage(revision: number, events: readonly LogEvent[]): void {
    if (revision > this.newestStaged) this.newestStaged = revision;
    for (const event of events) {
      if (event.type === 'put') {
        const head = {
          createRevision: event.createRevision,
          modRevision: revision,
          version: event.version,
          expiresAt: event.expiresAt,
        };
        this.pending.set(event.key, { revision, head, value: event.value, lease: event.lease ?? 0 });
      } else if (isKeyEvent(event)) {
        this.pending.set(event.key, { revision, head: null, value: null, lease: 0 });
      } else {
        const ttlSeconds = event.type === 'lease-grant' ? event.ttlSeconds : null;
        this.pendingLeases.set(event.lease, { revision, ttlSeconds });
      }
    }
  }

  /**
   * Drops what was staged at or below the newest applied revision: the projection now holds it, or, when
   * another writer of a shared log took that revision, the attempt that staged it lost and is rebuilt.
   */
  applied(records: readonly LogRecord[]): void {
    if (this.pending.size === 0 && this.pendingLeases.size === 0) return;
    const upTo = records.at(-1)!.revision;
    if (this.newestStaged <= upTo) {
      this.pending.clear();
      this.pendingLeases.clear();
      return;
    }
    for (const [key, staged] of this.pending) if (staged.revision <= upTo) this.pending.delete(key);
    for (const [id, staged] of this.pendingLeases) if (staged.revision <= upTo) this.pendingLeases.delete(id);
  }
}
