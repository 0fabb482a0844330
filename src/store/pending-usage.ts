/** Keys and bytes (UTF-8 key + value) stored under one prefix, or a change of them. */
export interface Usage {
  keys: number;
  bytes: number;
}

/** What one record changes: per namespace (by index) its usage, per key its size after (null: absent). */
export interface RecordUsage {
  readonly delta: ReadonlyMap<number, Usage>;
  readonly sizes: ReadonlyMap<string, number | null>;
}

/**
 * The records built at the serialisation point and not applied yet (the group commit being formed), as
 * running totals per namespace and the newest size per key, so a check costs the record's own keys, not
 * the length of the group. Records are added in revision order: a rebuilt attempt first drops every
 * record at or after its revision ({@link dropFrom}).
 */
export class PendingUsage {
  private readonly records = new Map<number, RecordUsage>();
  private readonly totals = new Map<number, Usage>();
  private readonly latest = new Map<string, { revision: number; size: number | null }>();
  private newest = 0;

  add(revision: number, record: RecordUsage): void {
    this.records.set(revision, record);
    this.newest = revision;
    for (const [i, d] of record.delta) {
      const t = this.totals.get(i) ?? { keys: 0, bytes: 0 };
      t.keys += d.keys;
      t.bytes += d.bytes;
      this.totals.set(i, t);
    }
    for (const [key, size] of record.sizes) this.latest.set(key, { revision, size });
  }

  /** What the pending records add to namespace `i`. */
  total(i: number): Usage {
    return this.totals.get(i) ?? { keys: 0, bytes: 0 };
  }

  /** The size a pending record left `key` at (null: deleted), or undefined when none touches it. */
  sizeOf(key: string): number | null | undefined {
    return this.latest.get(key)?.size;
  }

  /** Drops the records at or below `revision` (applied now, or lost to another writer of a shared log). */
  dropThrough(revision: number): void {
    for (const [built, record] of this.records) {
      if (built > revision) break;
      this.remove(built, record);
    }
  }

  /** Drops the records at or after `revision` (their attempt is being built again, or was refused). */
  dropFrom(revision: number): void {
    if (revision > this.newest || this.records.size === 0) return;
    const dropped = [...this.records].filter(([built]) => built >= revision);
    for (const [built, record] of dropped) this.remove(built, record);
    // An older record may have touched the same keys: it is their newest again.
    for (const [, record] of dropped)
      for (const key of record.sizes.keys()) if (!this.latest.has(key)) this.restoreLatest(key);
    this.newest = revision - 1;
  }

  private remove(built: number, record: RecordUsage): void {
    this.records.delete(built);
    for (const [i, d] of record.delta) {
      const t = this.totals.get(i)!;
      t.keys -= d.keys;
      t.bytes -= d.bytes;
    }
    for (const key of record.sizes.keys())
      if (this.latest.get(key)?.revision === built) this.latest.delete(key);
  }

  private restoreLatest(key: string): void {
    for (const [built, record] of this.records) {
      const size = record.sizes.get(key);
      if (size !== undefined) this.latest.set(key, { revision: built, size });
    }
  }
}
