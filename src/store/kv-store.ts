import pino, { type Logger } from 'pino';
import { type Observable, Subject } from 'rxjs';
import type { KeySpan } from '../keys/key-order.js';
import type { CommitObserver } from '../log/commit-observer.js';
import type { EventLog, LogBackendStatus } from '../log/event-log.js';
import { LogClosedError } from '../log/event-log.js';
import type { LogRecord, PutEvent } from '../log/events.js';
import type { LogUrl } from '../log/log-url.js';
import { openLog } from '../log/open-log.js';
import type { Durability } from '../log/sqlite/sqlite-log.js';
import { ExpirySchedule } from '../projections/expiry-schedule.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { isLive } from '../projections/key-entry.js';
import type { IndexSnapshot } from '../projections/key-index.js';
import type { AppliedRecord } from '../projections/key-state.js';
import { KeyState } from '../projections/key-state.js';
import type { CheckpointOptions } from './checkpointer.js';
import { Checkpointer } from './checkpointer.js';
import type { CompactionOptions, CompactResult } from './compactor.js';
import { Compactor } from './compactor.js';
import type { Condition } from './conditions.js';
import { DataDir } from './data-dir.js';
import { StoreUnavailableError } from './errors.js';
import type { SweeperOptions } from './expiry-sweeper.js';
import { ExpirySweeper } from './expiry-sweeper.js';
import { HistoryCheck, type HistoryCheckOptions, type HistoryCheckReport } from './history-check.js';
import type { Limits } from './limits.js';
import {
  DEFAULT_LIMITS,
  validateKey,
  validateLimit,
  validateSpan,
  validateTtl,
  validateValue,
} from './limits.js';
import { type ListOptions, type ListResult, listKeys } from './list-keys.js';
import {
  type DeleteManyResult,
  type DeleteRangeResult,
  MultiKeyOps,
  type SetManyItem,
  type SetManyResult,
} from './multi-key.js';
import { deleteRecord, NothingToWrite, putRecord } from './record-builders.js';
import { recoverState } from './start-up.js';
import type { HashKvResult } from './state-at.js';
import { hashKvAt } from './state-at.js';
import type { TxnRequest, TxnResult } from './txn.js';
import type { WitnessReader } from './witness.js';
import { WritePath } from './write-path.js';
import { WriteView } from './write-view.js';

/** Options of {@link KvStore.open}; everything but `dataDir` has a default. */
export interface StoreOptions {
  readonly dataDir: string;
  /**
   * The log: a `log.url` to open (default: SQLite in the data directory), or a function that opens one
   * once the data directory is locked (tests hand in a particular instance this way).
   */
  readonly log?: LogUrl | ((dataDir: string) => Promise<EventLog>);
  /** SQLite: fsync every group commit (default), or survive a process crash only. */
  readonly durability?: Durability;
  readonly limits?: Partial<Limits>;
  readonly checkpoint?: Partial<CheckpointOptions>;
  readonly expiry?: Partial<SweeperOptions>;
  /** Auto-compaction of the log history (off by default). */
  readonly compaction?: Partial<CompactionOptions>;
  /** Pace of the background check of the history start-up did not verify (see history-check.ts). */
  readonly historyCheck?: Partial<HistoryCheckOptions>;
  /** Keys per List page when the request does not say. */
  readonly defaultListLimit?: number;
  readonly logger?: Logger;
  /** Told about every group commit of the log (metrics) and a failed one (health). */
  readonly commitObserver?: CommitObserver;
  /** Files besides the checkpoints that prove acknowledged revisions (the NATS cursor); see witness.ts. */
  readonly witnesses?: readonly WitnessReader[];
  /** Start even when a witness proves the log lost acknowledged writes (never reusing their revisions). */
  readonly acceptLogTruncation?: boolean;
}

/** Options of {@link KvStore.set}. */
export interface SetOptions {
  /** The key expires this many milliseconds after the write (absent: never). */
  readonly ttlMs?: number;
  /** Write only if this holds at the serialisation point. */
  readonly condition?: Condition;
}

/** Result of a write: the revision that holds it. */
export interface SetResult {
  readonly revision: number;
  readonly createRevision: number;
  readonly version: number;
  readonly expiresAt: number;
}

/** Result of a delete; `deleted` is false (and `revision` the current one) when the key did not exist. */
export interface DeleteResult {
  readonly revision: number;
  readonly deleted: boolean;
}

/** Result of a get at the store's current revision. */
export interface GetResult {
  readonly revision: number;
  readonly entry: KeyEntry | undefined;
}

/** Everything the store reports about itself. */
export interface StoreStatus {
  readonly revision: number;
  readonly compactRevision: number;
  readonly keys: number;
  readonly checkpointRevision: number;
  readonly backend: string;
  /** The background check of the log history below the verified-through watermark. */
  readonly historyCheck: HistoryCheckReport;
}

/** A cluster node's place in the shared log. */
export interface ClusterStatus extends LogBackendStatus {
  readonly appliedRevision: number;
  readonly lagRevisions: number;
}

/** The state at one revision, frozen (later writes do not change it). */
export interface StateSnapshot {
  readonly revision: number;
  readonly entries: IndexSnapshot;
}

const ALL_KEYS: KeySpan = { kind: 'prefix', prefix: '' };

/**
 * The key-value store: validates requests, appends them to the log, and serves reads from the projection.
 * One instance owns one data directory.
 */
export class KvStore {
  private readonly records = new Subject<readonly AppliedRecord[]>();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly dir: DataDir,
    private readonly log: EventLog,
    private readonly state: KeyState,
    private readonly writes: WritePath,
    private readonly schedule: ExpirySchedule,
    private readonly sweeper: ExpirySweeper,
    private readonly checkpointer: Checkpointer,
    private readonly compactor: Compactor,
    private readonly historyCheck: HistoryCheck,
    /** Request limits in force. */
    readonly limits: Limits,
    private readonly defaultListLimit: number,
    private readonly logger: Logger,
  ) {
    this.multi = new MultiKeyOps(writes, state, limits);
  }

  /** Batches, range deletes and transactions. */
  private readonly multi: MultiKeyOps;

  /**
   * Opens the store in `options.dataDir`: takes its lock, opens the log, loads the newest valid checkpoint,
   * replays the log after it, then expires whatever passed its deadline while the store was down. Then the
   * log's verified-through watermark is raised to what start-up verified, and the older history is checked
   * in the background.
   */
  static async open(options: StoreOptions): Promise<KvStore> {
    const logger = options.logger ?? pino({ level: 'silent' });
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const dir = await DataDir.open(options.dataDir);
    let log: EventLog | undefined;
    try {
      const source = options.log ?? { scheme: 'sqlite', path: null };
      log =
        typeof source === 'function'
          ? await source(dir.path)
          : await openLog(source, {
              dataDir: dir.path,
              durability: options.durability ?? 'fsync',
              observer: options.commitObserver,
              logger,
            });
      const state = new KeyState();
      const checkpointer = new Checkpointer(
        dir.checkpointDir,
        state,
        { everyRevisions: 100_000, intervalMs: 10 * 60_000, keep: 2, ...options.checkpoint },
        logger,
      );
      await recoverState(
        dir,
        log,
        checkpointer,
        state,
        { witnesses: options.witnesses ?? [], acceptLogTruncation: options.acceptLogTruncation === true },
        logger,
      );
      // Start-up verified every record above the watermark (those below the checkpoint, and the tail it
      // replayed); those at or below it are checked again in the background once the store serves.
      const checkInBackground = log.verifiedThrough();
      const verified = log.lastRevision();
      const compactor = new Compactor(
        log,
        checkpointer,
        () => state.revision,
        { keepRevisions: 0, keepForMs: 0, intervalMs: 5 * 60_000, ...options.compaction },
        logger,
      );

      const schedule = new ExpirySchedule();
      for (const entry of state.index.values()) schedule.add(entry);
      const view = new WriteView(state);
      const writes = new WritePath(log, view, () => state.revision);
      const sweeper = new ExpirySweeper(
        schedule,
        state,
        writes,
        { intervalMs: 100, batchSize: 1000, ...options.expiry },
        logger,
      );
      const store = new KvStore(
        dir,
        log,
        state,
        writes,
        schedule,
        sweeper,
        checkpointer,
        compactor,
        new HistoryCheck(log, { pageSize: 2000, pauseMs: 10, ...options.historyCheck }, logger),
        limits,
        options.defaultListLimit ?? 1000,
        logger,
      );
      log.onCommit((records) => store.applyCommitted(records));
      checkpointer.start();
      compactor.start();
      await sweeper.sweep();
      await log.markVerified(verified);
      store.historyCheck.start(checkInBackground);
      return store;
    } catch (err) {
      await log?.close().catch(() => {});
      await dir.release();
      throw err;
    }
  }

  /** The revision of the last committed write. */
  get revision(): number {
    return this.state.revision;
  }

  /**
   * Every group commit's records, as applied, in revision order, emitted once the whole group is applied
   * (so `revision` is the last of them while subscribers run). Hot: subscribe before reading history.
   */
  get feed(): Observable<readonly AppliedRecord[]> {
    return this.records.asObservable();
  }

  /** The durable log, for readers of history (watch catch-up, backup). */
  get eventLog(): EventLog {
    return this.log;
  }

  /**
   * Resolves once this node has applied every write acknowledged anywhere before the call, so that a read
   * answered after it is linearizable (etcd's read index). Immediate when only this process writes the
   * log; with a shared log, one round trip to the log's leader shared by the reads waiting for it. Throws
   * {@link StoreUnavailableError} when the log cannot be reached within `timeoutMs`.
   */
  async caughtUp(timeoutMs = 5_000): Promise<void> {
    if (this.log.readIndex === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreUnavailableError(
              `a linearizable read needs the log's leader, which did not answer within ${timeoutMs} ms; ` +
                "retry, or read with serializable (this node's state, possibly behind other nodes)",
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([
        this.log.readIndex().then(
          (index) => this.writes.durable(index),
          (err: unknown) => {
            throw new StoreUnavailableError(
              `a linearizable read needs the log's leader: ${(err as Error).message}; retry, or read with serializable`,
            );
          },
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Whether a read must wait for {@link caughtUp} to be linearizable: true on a log other nodes also write
   * (a cluster), false on a log only this process writes (its state is always current).
   */
  get sharedLog(): boolean {
    return this.log.readIndex !== undefined;
  }

  /** This node's place in a shared log, for status pages; null for a log only this process writes. */
  async clusterStatus(): Promise<ClusterStatus | null> {
    if (this.log.backendStatus === undefined) return null;
    const backend = await this.log.backendStatus();
    const applied = this.state.revision;
    return {
      ...backend,
      appliedRevision: applied,
      lagRevisions: Math.max(0, backend.headRevision - applied),
    };
  }

  /** Reads one key at the current revision; an expired key reads as absent. */
  get(key: string): GetResult {
    validateKey(key, this.limits);
    const entry = this.state.get(key);
    return { revision: this.state.revision, entry: entry && isLive(entry, Date.now()) ? entry : undefined };
  }

  /**
   * Sets `key` to `value`, durably; resolves with the revision once it is on disk and visible to reads.
   * With a condition, throws {@link ConditionFailedError} (and writes nothing) when it does not hold.
   */
  async set(key: string, value: Uint8Array, options: SetOptions = {}): Promise<SetResult> {
    validateKey(key, this.limits);
    validateValue(value, this.limits);
    if (options.condition?.kind === 'value')
      validateValue(options.condition.value, this.limits, 'condition.value');
    const ttlMs = options.ttlMs === undefined ? undefined : validateTtl(options.ttlMs, this.limits);
    const record = await this.writes.append(
      putRecord(this.writes.view, key, value, ttlMs, options.condition),
    );
    const put = record.events.at(-1) as PutEvent;
    return {
      revision: record.revision,
      createRevision: put.createRevision,
      version: put.version,
      expiresAt: put.expiresAt,
    };
  }

  /**
   * Deletes `key`; a key that does not exist (or has expired) is not an error and writes nothing. With a
   * condition, throws {@link ConditionFailedError} (and deletes nothing) when it does not hold.
   */
  async delete(key: string, condition?: Condition): Promise<DeleteResult> {
    validateKey(key, this.limits);
    if (condition?.kind === 'value') validateValue(condition.value, this.limits, 'condition.value');
    try {
      const record = await this.writes.append(deleteRecord(this.writes.view, key, condition));
      return { revision: record.revision, deleted: true };
    } catch (err) {
      if (err instanceof NothingToWrite) return { revision: this.state.revision, deleted: false };
      throw err;
    }
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
    const span = validateSpan(options.span ?? ALL_KEYS, this.limits);
    const limit = validateLimit(options.limit ?? 0, this.limits) || this.defaultListLimit;
    return { revision: this.state.revision, ...listKeys(this.state.index, span, limit, options, Date.now()) };
  }

  /** Figures for status pages. */
  status(): StoreStatus {
    return {
      revision: this.state.revision,
      compactRevision: this.log.compactRevision(),
      keys: this.state.index.size,
      checkpointRevision: this.checkpointer.revision,
      backend: this.log.describe(),
      historyCheck: this.historyCheck.report(),
    };
  }

  /**
   * Drops the log history below `revision` (at most the current revision), keeping the state: a checkpoint
   * at `revision - 1` or later is written first if there is none. Reads are unaffected; watches and
   * incremental backups from before `revision` are refused from then on.
   */
  compact(revision: number): Promise<CompactResult> {
    return this.compactor.compact(revision);
  }

  /** Runs one round of auto-compaction now (normally on its timer); null when there was nothing to drop. */
  autoCompact(): Promise<CompactResult | null> {
    return this.compactor.autoCompact();
  }

  /**
   * The HashKV of the state at `revision` (0: the current one). An earlier revision is rebuilt from a
   * checkpoint and the log, which needs them to reach back that far (else {@link RevisionOutOfRangeError}).
   */
  hashKv(revision = 0): Promise<HashKvResult> {
    return hashKvAt(revision, this.state, this.log, this.checkpointer);
  }

  /** The current state, frozen: copy-on-write, so taking it is cheap and later writes do not touch it. */
  snapshot(): StateSnapshot {
    return { revision: this.state.revision, entries: this.state.index.snapshot() };
  }

  /**
   * Keeps the log history from `fromRevision` on (no compaction drops it) until the returned function is
   * called; for backups reading it. Throws {@link RevisionOutOfRangeError} when it is already compacted.
   */
  holdHistory(fromRevision: number, field?: string): () => void {
    return this.compactor.hold(fromRevision, field);
  }

  /** Writes a checkpoint now (also done periodically and on close). */
  checkpoint(): Promise<void> {
    return this.checkpointer.checkpoint();
  }

  /**
   * Closes the store: stops the sweeper, lets appends in flight commit, writes a checkpoint, releases the
   * data directory. Later writes fail with {@link StoreUnavailableError}.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.sweeper.stop();
      await this.historyCheck.stop();
      await this.compactor.stop();
      await this.log.close();
      // Answers held back until a revision is durable must not wait for a log that has stopped.
      this.writes.failed(new LogClosedError());
      await this.checkpointer.stop();
      await this.checkpointer.checkpoint();
      this.records.complete();
      await this.dir.release();
      this.logger.info({ revision: this.state.revision }, 'store closed');
    })();
    return this.closing;
  }

  /** The commit listener: projection first, then everything derived from it, in revision order. */
  private applyCommitted(records: readonly LogRecord[]): void {
    const applied = records.map((record) => {
      const one = this.state.apply(record);
      for (const change of one.changes) if (change.entry !== null) this.schedule.add(change.entry);
      return one;
    });
    this.records.next(applied);
    this.writes.view.applied(records);
    this.writes.committed(this.state.revision);
    this.sweeper.poke();
    this.checkpointer.committed(this.state.revision);
    // Another node may have compacted the shared log past this node's newest checkpoint: without a newer one
    // this node could not restart from the log. Its state is past the compaction point: write one now.
    if (this.log.compactRevision() - 1 > this.checkpointer.revision) void this.checkpointAfterCompaction();
  }

  private compactionCheckpoint: Promise<void> | null = null;

  private checkpointAfterCompaction(): Promise<void> {
    this.compactionCheckpoint ??= this.checkpointer
      .checkpoint()
      .catch((err: unknown) => this.logger.error({ err }, 'checkpoint after a compaction of the log failed'))
      .finally(() => {
        this.compactionCheckpoint = null;
      });
    return this.compactionCheckpoint;
  }
}
