import type { LogEventType, LogRecord } from '../log/events.js';
import type { KeyEntry } from './key-entry.js';
import { keyEntry, toStoredValue } from './key-entry.js';
import { KeyIndex } from './key-index.js';
import { LeaseTable } from './lease-table.js';

/** What one event did to one key: the entry after it (null once deleted or expired) and the one before. */
export interface KeyChange {
  readonly type: LogEventType;
  readonly key: string;
  readonly entry: KeyEntry | null;
  readonly prev: KeyEntry | null;
  /** The lease `prev` was attached to (0: none): etcd's prev_kv.lease of a delete or overwrite. */
  readonly prevLease: number;
}

/** A committed record as the projection applied it: the feed that watchers and subscribers read. */
export interface AppliedRecord {
  readonly record: LogRecord;
  /** One per event of the record, in the same order. */
  readonly changes: readonly KeyChange[];
}

/** The log and the state disagree: a record does not follow from the state it is applied to. */
export class ProjectionDivergenceError extends Error {
  constructor(revision: number, detail: string) {
    super(`log record ${revision} does not follow from the state at revision ${revision - 1}: ${detail}`);
    this.name = 'ProjectionDivergenceError';
  }
}

/**
 * Current state of every key, as a pure reducer of the log: `apply` one record after another. Keys are held
 * in a {@link KeyIndex}, so prefix and range reads never sort. Expired entries stay until their EXPIRE
 * event is applied; readers hide them by checking `expiresAt` against the clock.
 */
export class KeyState {
  readonly index = new KeyIndex();
  /** The leases and their keys (etcd's lessor, without its clock). */
  readonly leases = new LeaseTable();
  private appliedRevision = 0;

  /** Revision of the last applied record. */
  get revision(): number {
    return this.appliedRevision;
  }

  /** The entry for `key`, expired or not. */
  get(key: string): KeyEntry | undefined {
    return this.index.get(key);
  }

  /**
   * Applies the next record. Each event states the revision it replaces; a mismatch means the log and the
   * state diverged (a damaged log or checkpoint), which is refused rather than silently absorbed.
   */
  apply(record: LogRecord): AppliedRecord {
    const { revision } = record;
    if (revision !== this.appliedRevision + 1) {
      throw new ProjectionDivergenceError(revision, `expected revision ${this.appliedRevision + 1}`);
    }
    const changes: KeyChange[] = new Array(record.events.length);
    for (let i = 0; i < record.events.length; i++) {
      const event = record.events[i]!;
      const entry =
        event.type === 'put'
          ? keyEntry(
              event.key,
              toStoredValue(event.value),
              event.createRevision,
              revision,
              event.version,
              event.expiresAt,
            )
          : null;
      // Mutate first and check after: one index lookup per event on the hot path; a mismatch is put back.
      const prev = (entry !== null ? this.index.set(entry) : this.index.delete(event.key)) ?? null;
      const prevRevision = prev === null ? 0 : prev.modRevision;
      if (event.prevRevision !== prevRevision) {
        if (prev !== null) this.index.set(prev);
        else this.index.delete(event.key);
        throw new ProjectionDivergenceError(
          revision,
          `${event.type} of "${event.key}" replaces revision ${event.prevRevision}, the state holds ${prevRevision}`,
        );
      }
      // Read before applyKeyEvent detaches it: the prev_kv of a delete or overwrite keeps its lease.
      const prevLease = prev === null ? 0 : this.leases.leaseOf(event.key);
      changes[i] = { type: event.type, key: event.key, entry, prev, prevLease };
      this.leases.applyKeyEvent(event);
    }
    if (record.leases !== undefined) for (const event of record.leases) this.leases.applyLeaseEvent(event);
    this.appliedRevision = revision;
    return { record, changes };
  }

  /** Replaces the whole state with `entries` (sorted by key) at `revision`, as loaded from a checkpoint. */
  load(revision: number, entries: Iterable<KeyEntry>): void {
    this.index.clear();
    this.leases.clear();
    for (const entry of entries) this.index.appendSorted(entry);
    this.appliedRevision = revision;
  }

  /** Sets the revision of an empty state (a log whose history before `revision` was compacted away). */
  startAt(revision: number): void {
    this.appliedRevision = revision;
  }
}
