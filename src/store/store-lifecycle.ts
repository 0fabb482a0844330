import pino, { type Logger } from 'pino';
import type { CommitObserver } from '../log/commit-observer.js';
import type { EventLog } from '../log/event-log.js';
import { LogClosedError } from '../log/event-log.js';
import type { LogUrl } from '../log/log-url.js';
import { type OpenLogOptions, openLog } from '../log/open-log.js';
import type { Durability } from '../log/sqlite/sqlite-log.js';
import { ExpirySchedule } from '../projections/expiry-schedule.js';
import { KeyState } from '../projections/key-state.js';
import type { CheckpointOptions } from './checkpointer.js';
import { Checkpointer } from './checkpointer.js';
import { CommitApplier } from './commit-applier.js';
import type { CompactionOptions } from './compactor.js';
import { Compactor } from './compactor.js';
import { DataDir } from './data-dir.js';
import type { SweeperOptions } from './expiry-sweeper.js';
import { ExpirySweeper } from './expiry-sweeper.js';
import { HistoryCheck, type HistoryCheckOptions } from './history-check.js';
import { LeaseOps, rearmLeases } from './leases.js';
import type { Limits } from './limits.js';
import { DEFAULT_LIMITS } from './limits.js';
import { openOldestRecord } from './oldest-record-check.js';
import { recoverState } from './start-up.js';
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
  /** Wraps the log once it is open, before anything reads it (tracing, when it is on). */
  readonly wrapLog?: (log: EventLog) => EventLog;
  /** A NATS log's connection credentials and TLS (OpenLogOptions.natsAuth). */
  readonly natsAuth?: OpenLogOptions['natsAuth'];
  /** Files besides the checkpoints that prove acknowledged revisions (the NATS cursor); see witness.ts. */
  readonly witnesses?: readonly WitnessReader[];
  /** Start even when a witness proves the log lost acknowledged writes (never reusing their revisions). */
  readonly acceptLogTruncation?: boolean;
}

/** The running parts of an open store, which {@link KvStore} puts behind its API. */
export interface StoreParts {
  readonly dir: DataDir;
  readonly log: EventLog;
  readonly state: KeyState;
  readonly writes: WritePath;
  readonly sweeper: ExpirySweeper;
  readonly checkpointer: Checkpointer;
  readonly compactor: Compactor;
  readonly historyCheck: HistoryCheck;
  readonly applier: CommitApplier;
  /** etcd's leases (Grant, Revoke, KeepAlive, TimeToLive, Leases). */
  readonly leases: LeaseOps;
  readonly limits: Limits;
  readonly defaultListLimit: number;
  readonly logger: Logger;
}

/** Opens and recovers a store's parts, then starts them; see {@link KvStore.open}. */
export async function openStore(options: StoreOptions): Promise<StoreParts> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const dir = await DataDir.open(options.dataDir);
  let log: EventLog | undefined;
  try {
    log = await openEventLog(options, dir, logger);
    if (options.wrapLog) log = options.wrapLog(log);
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
    await openOldestRecord(log);
    // Start-up verified every record above the watermark (those below the checkpoint, and the tail it
    // replayed); those at or below it are checked again in the background once the store serves.
    const checkInBackground = log.verifiedThrough();
    const verified = log.lastRevision();
    const parts = assembleParts(options, dir, log, state, checkpointer, logger);
    await startParts(parts, verified, checkInBackground);
    return parts;
  } catch (err) {
    await log?.close().catch(() => {});
    await dir.release();
    throw err;
  }
}

function openEventLog(options: StoreOptions, dir: DataDir, logger: Logger): Promise<EventLog> {
  const source = options.log ?? { scheme: 'sqlite', path: null };
  return typeof source === 'function'
    ? source(dir.path)
    : openLog(source, {
        dataDir: dir.path,
        durability: options.durability ?? 'fsync',
        observer: options.commitObserver,
        logger,
        natsAuth: options.natsAuth,
      });
}

/** Builds the parts that serve from the recovered state; nothing runs until {@link startParts}. */
function assembleParts(
  options: StoreOptions,
  dir: DataDir,
  log: EventLog,
  state: KeyState,
  checkpointer: Checkpointer,
  logger: Logger,
): StoreParts {
  const compactor = new Compactor(
    log,
    checkpointer,
    () => state.revision,
    { keepRevisions: 0, keepForMs: 0, intervalMs: 5 * 60_000, ...options.compaction },
    logger,
  );
  const schedule = new ExpirySchedule();
  for (const entry of state.index.values()) schedule.add(entry);
  rearmLeases(schedule, state, Date.now());
  const view = new WriteView(state);
  const writes = new WritePath(log, view, () => state.revision);
  const leases = new LeaseOps(writes, state, schedule, log.readIndex !== undefined);
  const sweeper = new ExpirySweeper(
    schedule,
    state,
    writes,
    { intervalMs: 100, batchSize: 1000, ...options.expiry },
    logger,
  );
  const historyCheck = new HistoryCheck(
    log,
    { pageSize: 2000, pauseMs: 10, ...options.historyCheck },
    logger,
  );
  const applier = new CommitApplier(log, state, schedule, writes, sweeper, checkpointer, logger);
  return {
    dir,
    log,
    state,
    writes,
    sweeper,
    checkpointer,
    compactor,
    historyCheck,
    applier,
    leases,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    defaultListLimit: options.defaultListLimit ?? 1000,
    logger,
  };
}

/**
 * Follows the log, starts the timers, expires whatever passed its deadline while the store was down, then
 * raises the verified-through watermark to `verified` and checks the history at or below
 * `checkInBackground`.
 */
async function startParts(parts: StoreParts, verified: number, checkInBackground: number): Promise<void> {
  parts.log.onCommit((records) => parts.applier.apply(records));
  parts.checkpointer.start();
  parts.compactor.start();
  await parts.sweeper.sweep();
  await parts.log.markVerified(verified);
  parts.historyCheck.start(checkInBackground);
}

/** Stops the parts in the order that loses nothing; see {@link KvStore.close}. */
export async function closeStore(parts: StoreParts): Promise<void> {
  parts.sweeper.stop();
  await parts.historyCheck.stop();
  await parts.compactor.stop();
  await parts.log.close();
  // Answers held back until a revision is durable must not wait for a log that has stopped.
  parts.writes.failed(new LogClosedError());
  await parts.checkpointer.stop();
  await parts.checkpointer.checkpoint();
  parts.applier.complete();
  await parts.dir.release();
  parts.logger.info({ revision: parts.state.revision }, 'store closed');
}
