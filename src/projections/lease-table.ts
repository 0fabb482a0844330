import type { KeyEvent, LeaseEvent } from '../log/events.js';

/** A granted lease as the projection holds it. */
export interface LeaseEntry {
  readonly id: number;
  readonly ttlSeconds: number;
  /** The keys attached to it now. */
  readonly keys: ReadonlySet<string>;
}

/** One lease of a checkpoint: `[id, ttlSeconds, keys]`. */
export type LeaseWire = [number, number, string[]];

interface MutableLease {
  readonly id: number;
  readonly ttlSeconds: number;
  readonly keys: Set<string>;
}

/**
 * The leases and the keys attached to each, as a reducer of the log (etcd's lessor, without its clock):
 * deadlines are not facts of the log (keep-alives are not logged), so they live in the expiry schedule.
 * Lenient on purpose: a lease event the table cannot place (a state rebuilt from a backup's entries, which
 * carry no leases) changes what it can, because the key events beside it already say what happened to keys.
 */
export class LeaseTable {
  private readonly leases = new Map<number, MutableLease>();
  /** Only keys with a lease are here, so a store without leases pays nothing per key. */
  private readonly byKey = new Map<string, number>();

  /** Number of leases. */
  get size(): number {
    return this.leases.size;
  }

  get(id: number): LeaseEntry | undefined {
    return this.leases.get(id);
  }

  /** The lease `key` is attached to; 0 when none. */
  leaseOf(key: string): number {
    return this.byKey.get(key) ?? 0;
  }

  /** The keys attached to lease `id` (empty when it does not exist). */
  keysOf(id: number): ReadonlySet<string> {
    return this.leases.get(id)?.keys ?? EMPTY;
  }

  /** Every lease, in the order granted. */
  all(): IterableIterator<LeaseEntry> {
    return this.leases.values();
  }

  /** Applies the key events of a record (attach on a put with a lease, detach on anything else). */
  applyKeyEvent(event: KeyEvent): void {
    // The common case, a store without leases: no map lookup per event.
    if (this.byKey.size === 0 && (event.type !== 'put' || !event.lease)) return;
    const before = this.byKey.get(event.key);
    const after = event.type === 'put' ? (event.lease ?? 0) : 0;
    if (before === after) return;
    if (before !== undefined) {
      this.leases.get(before)?.keys.delete(event.key);
      this.byKey.delete(event.key);
    }
    if (after !== 0) {
      this.byKey.set(event.key, after);
      this.leases.get(after)?.keys.add(event.key);
    }
  }

  /** Applies a lease event. */
  applyLeaseEvent(event: LeaseEvent): void {
    if (event.type === 'lease-grant') {
      if (!this.leases.has(event.lease))
        this.leases.set(event.lease, { id: event.lease, ttlSeconds: event.ttlSeconds, keys: new Set() });
      return;
    }
    const lease = this.leases.get(event.lease);
    if (lease === undefined) return;
    // The record's key events removed the attached keys already; any left (a lenient replay) are detached.
    for (const key of lease.keys) this.byKey.delete(key);
    this.leases.delete(event.lease);
  }

  /** The table in checkpoint form (a copy, so writes after it do not change it). */
  toWire(): LeaseWire[] {
    return [...this.leases.values()].map((l) => [l.id, l.ttlSeconds, [...l.keys]]);
  }

  /** Replaces the table with leases read from a checkpoint. */
  load(wire: readonly LeaseWire[]): void {
    this.clear();
    for (const [id, ttlSeconds, keys] of wire) {
      this.leases.set(id, { id, ttlSeconds, keys: new Set(keys) });
      for (const key of keys) this.byKey.set(key, id);
    }
  }

  clear(): void {
    this.leases.clear();
    this.byKey.clear();
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** A checkpoint's lease list from its MessagePack form; null when it does not have that shape. */
export function leasesFromWire(wire: unknown): LeaseWire[] | null {
  if (!Array.isArray(wire)) return null;
  for (const item of wire) {
    if (
      !Array.isArray(item) ||
      typeof item[0] !== 'number' ||
      typeof item[1] !== 'number' ||
      !Array.isArray(item[2]) ||
      !item[2].every((k: unknown) => typeof k === 'string')
    )
      return null;
  }
  return wire as LeaseWire[];
}
