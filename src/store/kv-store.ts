import type { Observable } from 'rxjs';
import type { KeySpan } from '../keys/key-order.js';
import type { EventLog } from '../log/event-log.js';
import type { KeyEntry } from '../projections/key-entry.js';
import type { KeyIndex } from '../projections/key-index.js';
import type { AppliedRecord, KeyState } from '../projections/key-state.js';
import type { CompactResult } from './compactor.js';
import type { Condition } from './conditions.js';
import type { LeaseOps } from './leases.js';
import type { Limits } from './limits.js';
import type { ListOptions, ListResult } from './list-keys.js';
import {
  type DeleteManyResult,
  type DeleteRangeResult,
  MultiKeyOps,
  type SetManyItem,
  type SetManyResult,
} from './multi-key.js';
import { type GetResult, type StateSnapshot, StoreReads } from './reads.js';
import { type DeleteResult, type SetOptions, type SetResult, SingleKeyOps } from './single-key.js';
import type { HashKvResult } from './state-at.js';
import { hashKvAt, rebuildStateAt } from './state-at.js';
import { type ClusterStatus, clusterStatus, type StoreStatus, storeStatus } from './status.js';
import { closeStore, openStore, type StoreOptions, type StoreParts } from './store-lifecycle.js';
import type { TxnRequest, TxnResult } from './txn.js';

// The facade's option and result types live with the code that fills them; callers import them from here.
export type { GetResult, StateSnapshot } from './reads.js';
export type { DeleteResult, SetOptions, SetResult } from './single-key.js';
export type { ClusterStatus, StoreStatus } from './status.js';
export type { StoreOptions } from './store-lifecycle.js';

/** The keys at one revision and the lease each was attached to then (0: none). */
export interface KeysAt {
  readonly index: KeyIndex;
  leaseOf(key: string): number;
}

/**
 * The key-value store: validates requests, appends them to the log, and serves reads from the projection.
 * One instance owns one data directory.
 */
export class KvStore {
  private closing: Promise<void> | null = null;
  /** Request limits in force. */
  readonly limits: Limits;
  private readonly reads: StoreReads;
  private readonly single: SingleKeyOps;
  /** Batches, range deletes and transactions. */
  private readonly multi: MultiKeyOps;

  private constructor(private readonly parts: StoreParts) {
    this.limits = parts.limits;
    this.reads = new StoreReads(parts.state, parts.log, parts.writes, parts.limits, parts.defaultListLimit);
    this.single = new SingleKeyOps(parts.writes, parts.state, parts.limits);
    this.multi = new MultiKeyOps(parts.writes, parts.state, parts.limits);
  }

  /**
   * Opens the store in `options.dataDir`: takes its lock, opens the log, loads the newest valid checkpoint,
   * replays the log after it, then expires whatever passed its deadline while the store was down. Then the
   * log's verified-through watermark is raised to what start-up verified, and the older history is checked
   * in the background.
   */
  static async open(options: StoreOptions): Promise<KvStore> {
    return new KvStore(await openStore(options));
  }

  /** Installs a check every record must pass where the log serialises writes (namespace quotas); null: none. */
  guardWrites(guard: StoreParts['writes']['guard']): void {
    this.parts.writes.guard = guard;
  }

  /** The revision of the last committed write. */
  get revision(): number {
    return this.parts.state.revision;
  }

  /**
   * Every group commit's records, as applied, in revision order, emitted once the whole group is applied
   * (so `revision` is the last of them while subscribers run). Hot: subscribe before reading history.
   */
  get feed(): Observable<readonly AppliedRecord[]> {
    return this.parts.applier.feed;
  }

  /** The durable log, for readers of history (watch catch-up, backup). */
  get eventLog(): EventLog {
    return this.parts.log;
  }

  /**
   * Resolves once this node has applied every write acknowledged anywhere before the call, so that a read
   * answered after it is linearizable (etcd's read index). Immediate when only this process writes the
   * log; with a shared log, one round trip to the log's leader shared by the reads waiting for it. Throws
   * {@link StoreUnavailableError} when the log cannot be reached within `timeoutMs`.
   */
  caughtUp(timeoutMs = 5_000): Promise<void> {
    return this.reads.caughtUp(timeoutMs);
  }

  /**
   * Whether a read must wait for {@link caughtUp} to be linearizable: true on a log other nodes also write
   * (a cluster), false on a log only this process writes (its state is always current).
   */
  get sharedLog(): boolean {
    return this.reads.sharedLog;
  }

  /** This node's place in a shared log, for status pages; null for a log only this process writes. */
  clusterStatus(): Promise<ClusterStatus | null> {
    return clusterStatus(this.parts.log, this.parts.state);
  }

  /** Reads one key at the current revision; an expired key reads as absent. */
  get(key: string): GetResult {
    return this.reads.get(key);
  }

  /**
   * Sets `key` to `value`, durably; resolves with the revision once it is on disk and visible to reads.
   * With a condition, throws {@link ConditionFailedError} (and writes nothing) when it does not hold.
   */
  set(key: string, value: Uint8Array, options: SetOptions = {}): Promise<SetResult> {
    return this.single.set(key, value, options);
  }

  /**
   * Deletes `key`; a key that does not exist (or has expired) is not an error and writes nothing. With a
   * condition, throws {@link ConditionFailedError} (and deletes nothing) when it does not hold.
   */
  delete(key: string, condition?: Condition): Promise<DeleteResult> {
    return this.single.delete(key, condition);
  }

  /** Writes several distinct keys atomically as one revision. */
  setMany(items: readonly SetManyItem[]): Promise<SetManyResult> {
    return this.multi.setMany(items);
  }

  /** Reads several keys at one revision. */
  getMany(keys: readonly string[]): { revision: number; entries: (KeyEntry | undefined)[] } {
    return this.multi.getMany(keys);
  }

  /** Deletes those of `keys` that exist, as one revision. */
  deleteMany(keys: readonly string[]): Promise<DeleteManyResult> {
    return this.multi.deleteMany(keys);
  }

  /** Deletes every key of a prefix or range as one revision; `prevKv`: the answer carries the values. */
  deleteRange(span: KeySpan, options: { readonly prevKv?: boolean } = {}): Promise<DeleteRangeResult> {
    return this.multi.deleteRange(span, options);
  }

  /** Runs an etcd-style transaction (compares, then success or failure operations) as one revision. */
  txn(request: TxnRequest): Promise<TxnResult> {
    return this.multi.txn(request);
  }

  /** Lists live keys of a span in key order, one page at a time. */
  list(options: ListOptions = {}): ListResult {
    return this.reads.list(options);
  }

  /** etcd's leases: grant, revoke, keep-alive, time-to-live, list (see leases.ts). */
  get leases(): LeaseOps {
    return this.parts.leases;
  }

  /** The lease `key` is attached to now (0: none, or no such key); at a past revision see {@link keysAt}. */
  leaseOf(key: string): number {
    return this.parts.state.leases.leaseOf(key);
  }

  /** Figures for status pages. */
  status(): StoreStatus {
    const { state, log, checkpointer, historyCheck } = this.parts;
    return storeStatus(state, log, checkpointer, historyCheck);
  }

  /**
   * Drops the log history below `revision` (at most the current revision), keeping the state: a checkpoint
   * at `revision - 1` or later is written first if there is none. Reads are unaffected; watches and
   * incremental backups from before `revision` are refused from then on.
   */
  compact(revision: number): Promise<CompactResult> {
    return this.parts.compactor.compact(revision);
  }

  /** Runs one round of auto-compaction now (normally on its timer); null when there was nothing to drop. */
  autoCompact(): Promise<CompactResult | null> {
    return this.parts.compactor.autoCompact();
  }

  /**
   * The HashKV of the state at `revision` (0: the current one). An earlier revision is rebuilt from a
   * checkpoint and the log, which needs them to reach back that far (else {@link RevisionOutOfRangeError}).
   */
  hashKv(revision = 0): Promise<HashKvResult> {
    return hashKvAt(revision, this.parts.state, this.parts.log, this.parts.checkpointer);
  }

  /**
   * The keys at `revision` (0: current) and the lease each was attached to then: a past revision is
   * rebuilt as {@link indexAt} does, its lease table with it.
   */
  keysAt(revision: number): KeysAt | Promise<KeysAt> {
    const state = this.parts.state;
    const of = (s: KeyState): KeysAt => ({ index: s.index, leaseOf: (key) => s.leases.leaseOf(key) });
    if (revision === 0 || revision >= state.revision) return of(state);
    return rebuildStateAt(revision, this.parts.log, this.parts.checkpointer).then(of);
  }

  /**
   * The key index as it was at `revision` (etcd's MVCC read). The current revision (or 0) answers the live
   * index synchronously: read it before yielding to the event loop. An earlier revision is rebuilt from a
   * checkpoint and the log (cost: the log after that checkpoint, and a second copy of the state while it
   * is used); {@link RevisionOutOfRangeError} when no checkpoint reaches back that far.
   */
  indexAt(revision: number): KeyIndex | Promise<KeyIndex> {
    const state = this.parts.state;
    if (revision === 0 || revision >= state.revision) return state.index;
    return rebuildStateAt(revision, this.parts.log, this.parts.checkpointer).then((past) => past.index);
  }

  /** The current state, frozen: copy-on-write, so taking it is cheap and later writes do not touch it. */
  snapshot(): StateSnapshot {
    return this.reads.snapshot();
  }

  /**
   * Keeps the log history from `fromRevision` on (no compaction drops it) until the returned function is
   * called; for backups reading it. Throws {@link RevisionOutOfRangeError} when it is already compacted.
   */
  holdHistory(fromRevision: number, field?: string): () => void {
    return this.parts.compactor.hold(fromRevision, field);
  }

  /** Writes a checkpoint now (also done periodically and on close). */
  checkpoint(): Promise<void> {
    return this.parts.checkpointer.checkpoint();
  }

  /**
   * Closes the store: stops the sweeper, lets appends in flight commit, writes a checkpoint, releases the
   * data directory. Later writes fail with {@link StoreUnavailableError}.
   */
  close(): Promise<void> {
    this.closing ??= closeStore(this.parts);
    return this.closing;
  }
}
