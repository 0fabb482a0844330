import type { Observable, Subscription } from 'rxjs';
import { compareKeys } from '../keys/key-order.js';
import type { LogEvent } from '../log/events.js';
import type { KeyEntry } from '../projections/key-entry.js';
import type { KeyIndex } from '../projections/key-index.js';
import type { AppliedRecord } from '../projections/key-state.js';
import { PendingUsage, type Usage } from './pending-usage.js';
import type { WriteGuard } from './write-path.js';

export type { Usage } from './pending-usage.js';

/** A key prefix with limits on what is stored under it (a namespace's quota); an absent limit is none. */
export interface QuotaSpec {
  readonly name: string;
  readonly prefix: string;
  readonly quota: { readonly keys?: number; readonly bytes?: number };
}

/** A write refused because it would take a namespace over its quota; nothing of it was written. */
export class QuotaExceededError extends Error {
  constructor(
    readonly namespace: string,
    readonly limit: 'keys' | 'bytes',
    readonly quota: number,
    readonly used: number,
    readonly adding: number,
    /** The revision the decision saw; the answer waits until it is durable. */
    readonly basedOn: number,
  ) {
    super(
      `namespace "${namespace}" is at its quota of ${quota} ${limit}: it holds ${used} ${limit} and this ` +
        `write adds ${adding}; nothing was written. Delete keys of the namespace (or raise ` +
        `namespaces.${namespace}.quota.${limit}) and retry`,
    );
    this.name = 'QuotaExceededError';
  }
}

/**
 * Enforces namespace quotas at the log's serialisation point. The usage is derived from the projection,
 * never stored apart: counted from the key index when the store opens (after replay, so a restart finds
 * the same numbers), then kept up by the applied feed. Records built but not applied yet (the group being
 * committed) count too, so concurrent writes cannot jointly pass a quota. A write that does not grow a
 * namespace (a delete, an overwrite with a smaller value) is never refused.
 */
export class NamespaceQuotas implements WriteGuard {
  /** Sorted by prefix; prefixes never nest, so a key's namespace is the greatest prefix <= it. */
  private readonly specs: readonly QuotaSpec[];
  private readonly usage: Usage[];
  /** Revision of the last record the usage includes. */
  private through: number;
  /** The records built and not yet applied. */
  private readonly pending = new PendingUsage();
  private readonly subscription: Subscription;
  private readonly index: KeyIndex;

  /** `store`: the store's live key index, its applied feed and revision (KvStore). */
  constructor(
    specs: readonly QuotaSpec[],
    store: {
      readonly revision: number;
      readonly feed: Observable<readonly AppliedRecord[]>;
      indexAt(revision: 0): KeyIndex | Promise<KeyIndex>;
    },
  ) {
    this.specs = [...specs].sort((a, b) => compareKeys(a.prefix, b.prefix));
    const index = store.indexAt(0);
    if (index instanceof Promise) throw new Error('the current key index is always at hand');
    this.index = index;
    // Subscribed before counting: the feed emits synchronously, so nothing is applied in between.
    this.subscription = store.feed.subscribe((applied) => this.applied(applied));
    this.usage = this.specs.map((spec) => countPrefix(index, spec.prefix));
    this.through = store.revision;
  }

  /** Keys and bytes each namespace holds, as applied, with its quota. */
  usageByNamespace(): {
    name: string;
    keys: number;
    bytes: number;
    quotaKeys?: number;
    quotaBytes?: number;
  }[] {
    return this.specs.map(({ name, quota }, i) => ({
      name,
      ...this.usage[i]!,
      ...(quota.keys === undefined ? {} : { quotaKeys: quota.keys }),
      ...(quota.bytes === undefined ? {} : { quotaBytes: quota.bytes }),
    }));
  }

  stop(): void {
    this.subscription.unsubscribe();
  }

  /** Forgets what attempts at `revision` or later built (a backend builds a lost attempt again). */
  discardFrom(revision: number): void {
    this.pending.dropFrom(revision);
  }

  /** Checks the record built at `revision`; throws {@link QuotaExceededError} when it may not be written. */
  check(revision: number, events: readonly LogEvent[]): void {
    const sizes = new Map<string, number | null>();
    for (const event of events) {
      if (!('key' in event) || this.namespaceOf(event.key) < 0) continue;
      sizes.set(event.key, event.type === 'put' ? byteSize(event.key, event.value.length) : null);
    }
    if (sizes.size === 0) return;
    const delta = new Map<number, Usage>();
    for (const [key, after] of sizes) {
      const before = this.sizeBefore(key);
      if (before === after) continue;
      const i = this.namespaceOf(key);
      const d = delta.get(i) ?? { keys: 0, bytes: 0 };
      d.keys += (after === null ? 0 : 1) - (before === null ? 0 : 1);
      d.bytes += (after ?? 0) - (before ?? 0);
      delta.set(i, d);
    }
    for (const [i, d] of delta) this.checkNamespace(i, d, revision);
    this.pending.add(revision, { delta, sizes });
  }

  private checkNamespace(i: number, d: Usage, revision: number): void {
    const { name, quota } = this.specs[i]!;
    const now = this.current(i);
    if (quota.keys !== undefined && d.keys > 0 && now.keys + d.keys > quota.keys)
      throw new QuotaExceededError(name, 'keys', quota.keys, now.keys, d.keys, revision - 1);
    if (quota.bytes !== undefined && d.bytes > 0 && now.bytes + d.bytes > quota.bytes)
      throw new QuotaExceededError(name, 'bytes', quota.bytes, now.bytes, d.bytes, revision - 1);
  }

  /** The namespace's usage at the serialisation point: applied, plus what pending records built. */
  private current(i: number): Usage {
    const applied = this.usage[i]!;
    const pending = this.pending.total(i);
    return { keys: applied.keys + pending.keys, bytes: applied.bytes + pending.bytes };
  }

  /** The stored size of `key` before the record being built: null when absent. */
  private sizeBefore(key: string): number | null {
    const size = this.pending.sizeOf(key);
    if (size !== undefined) return size;
    const entry = this.index.get(key);
    return entry === undefined ? null : entrySize(entry);
  }

  private applied(applied: readonly AppliedRecord[]): void {
    for (const { record, changes } of applied) {
      for (const change of changes) {
        const i = this.namespaceOf(change.key);
        if (i < 0) continue;
        const u = this.usage[i]!;
        if (change.prev) {
          u.keys -= 1;
          u.bytes -= entrySize(change.prev);
        }
        if (change.entry) {
          u.keys += 1;
          u.bytes += entrySize(change.entry);
        }
      }
      this.through = record.revision;
    }
    this.pending.dropThrough(this.through);
  }

  /** The index of the namespace `key` is stored in, or -1. */
  private namespaceOf(key: string): number {
    const specs = this.specs;
    let lo = 0;
    let hi = specs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(specs[mid]!.prefix, key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && key.startsWith(specs[found]!.prefix) ? found : -1;
  }
}

function byteSize(key: string, valueBytes: number): number {
  return Buffer.byteLength(key, 'utf8') + valueBytes;
}

/** An entry's stored size (its value is held one character per byte). */
function entrySize(entry: KeyEntry): number {
  return byteSize(entry.key, entry.value.length);
}

function countPrefix(index: KeyIndex, prefix: string): Usage {
  const usage = { keys: 0, bytes: 0 };
  for (const entry of index.scan(prefix)) {
    if (!entry.key.startsWith(prefix)) break;
    usage.keys += 1;
    usage.bytes += entrySize(entry);
  }
  return usage;
}
