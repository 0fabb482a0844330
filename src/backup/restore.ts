import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import pino from 'pino';
import type { EventLog } from '../log/event-log.js';
import type { LogUrl } from '../log/log-url.js';
import { formatLogUrl } from '../log/log-url.js';
import { openLog } from '../log/open-log.js';
import { writeCheckpoint } from '../projections/checkpoint-file.js';
import { KeyState } from '../projections/key-state.js';
import { hashEntries } from '../projections/state-hash.js';
import { checkpointFileName } from '../store/checkpointer.js';
import type { BackupFileInfo } from './backup-file.js';
import { inspectBackupFile } from './backup-file.js';
import type { RestorePlan, RestorePoint } from './restore-plan.js';
import { planRestore, RestorePlanError } from './restore-plan.js';
import { checkCovered, copyChain, type ReplayResult, replayChain } from './restore-replay.js';
import { RestoreTarget } from './restore-target.js';

/** Options of {@link restore}. */
export interface RestoreOptions extends RestorePoint {
  /** Backup files: one full backup and any incrementals, in any order. */
  readonly inputs: readonly string[];
  /** Receives the checkpoint of the restored state, and the log itself when it is SQLite. */
  readonly dataDir: string;
  /**
   * Where the restored log goes: `sqlite:` (the default, `<dataDir>/log.sqlite`), a `nats://` stream or a
   * `postgres://` table, which must be new or empty. Any backend's backup restores into any backend.
   */
  readonly logUrl?: LogUrl;
  /** Replace the contents of a non-empty kvstore data directory (never a stream's). */
  readonly force?: boolean;
  /** Told about items (entries and records) read so far, out of the total the files state. */
  readonly onProgress?: (items: number, total: number) => void;
  readonly logger?: Logger;
}

/** What a restore produced. */
export interface RestoreResult {
  /** The revision of the restored state; the restored store continues at revision + 1. */
  readonly revision: number;
  /** Commit time of that revision (ms since the epoch), 0 when unknown. */
  readonly revisionTimeMs: number;
  /** The restored history starts here (the revision after the full backup's state). */
  readonly compactRevision: number;
  readonly keys: number;
  /** HashKV of the restored state (state-hash.ts): compare with `kvstore hash --revision` of the source. */
  readonly hash: string;
  /** Log records replayed. */
  readonly records: number;
  /** Items (state entries and records) read and checked across all files. */
  readonly items: number;
  readonly files: readonly string[];
  /** Where the restored log is, as a `log.url`. */
  readonly logUrl: string;
}

/** What one way of writing the log produced, before the checkpoint and the swap. */
interface Restored extends ReplayResult {
  readonly state: KeyState;
  readonly items: number;
}

/**
 * Restores backups offline: checks every file whole (CRC-32C per frame, SHA-256 per file), replays the full
 * backup and the chain of incrementals into a fresh log through the {@link EventLog} interface (startAt,
 * appendVerbatim) with the original revision numbers and commit times, stopping at the requested revision
 * or time, and writes a checkpoint of the result into the data directory. SQLite: any damage or gap aborts
 * the restore and leaves the directory as it was. A shared log (JetStream) must be empty; the files are
 * checked and replayed in memory before anything is written to it.
 */
export async function restore(options: RestoreOptions): Promise<RestoreResult> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const url = options.logUrl ?? { scheme: 'sqlite', path: null };
  refuseUnrestorable(url, options.dataDir);
  const infos: BackupFileInfo[] = [];
  for (const path of options.inputs) infos.push(await inspectBackupFile(path));
  const plan = planRestore(infos, options);
  const target = await RestoreTarget.prepare(options.dataDir, options.force === true);
  try {
    const restored =
      url.scheme === 'nats' || url.scheme === 'postgres'
        ? await restoreShared(url, plan, target, options, logger)
        : await restoreSqlite(plan, target, options, logger);
    const { state } = restored;
    // Written after the log is complete: a data directory never holds a checkpoint its log lacks.
    if (state.revision > 0) {
      await writeCheckpoint(
        join(target.stagingDir, 'checkpoints', checkpointFileName(state.revision)),
        state.revision,
        state.index.snapshot(),
        state.leases.toWire(),
      );
    }
    const { hash, keys } = await hashEntries(state.index.values());
    await target.commit();
    const result: RestoreResult = {
      revision: state.revision,
      revisionTimeMs: restored.revisionTimeMs,
      compactRevision: plan.baseRevision + 1,
      keys,
      hash,
      records: restored.records,
      items: restored.items,
      files: plan.chain.map((f) => f.path),
      logUrl: formatLogUrl(url),
    };
    logger.info(result, 'restored');
    return result;
  } catch (err) {
    await target.abandon();
    throw err;
  }
}

/** A log a restore cannot write: one outside the data directory it swaps in whole, or one in memory. */
function refuseUnrestorable(url: LogUrl, dataDir: string): void {
  if (url.scheme === 'memory') {
    throw new RestorePlanError(
      '--log-url memory: keeps nothing once the restore ends; use sqlite: or nats://',
    );
  }
  const inDir = resolve(dataDir, 'log.sqlite');
  if (url.scheme === 'sqlite' && url.path !== null && resolve(url.path) !== inDir) {
    throw new RestorePlanError(
      `--log-url ${formatLogUrl(url)}: a restore writes the SQLite log into the data directory (${inDir}), ` +
        'where it is swapped in whole; restore with --log-url sqlite: and move the file there with the server stopped',
    );
  }
}

/**
 * SQLite: one pass, the log written in the staging directory without journal or fsync (bulk load), then
 * synced to disk; the staging directory is swapped in by the caller.
 */
async function restoreSqlite(
  plan: RestorePlan,
  target: RestoreTarget,
  options: RestoreOptions,
  logger: Logger,
): Promise<Restored> {
  const logPath = join(target.stagingDir, 'log.sqlite');
  let log: EventLog | null = await openLog(
    { scheme: 'sqlite', path: logPath },
    { dataDir: target.stagingDir, bulkLoad: true, logger },
  );
  try {
    const writer = log;
    let items = 0;
    const progress = (n: number) => {
      items += n;
      options.onProgress?.(items, plan.items);
    };
    const state = new KeyState();
    const replayed = await replayChain(plan, options, state, {
      start: (base) => writer.startAt(base + 1),
      sink: (batch) => writer.appendVerbatim(batch),
      progress,
    });
    // Every file given is checked, even those whose records the chain already holds.
    await checkCovered(plan, progress);
    await log.close();
    log = null;
    await fsyncFile(logPath);
    return { ...replayed, state, items };
  } finally {
    await log?.close().catch(() => {});
  }
}

/**
 * A shared log (a JetStream stream, a PostgreSQL table): it must be empty, since a restore writes a history with its own
 * revisions and a stream's revisions are never handed out twice. The first pass checks every file and
 * builds the state in memory, writing nothing; only then does the second pass copy the records in, so that
 * damaged or inconsistent backups leave the stream empty. Progress counts both passes.
 */
async function restoreShared(
  url: LogUrl & { scheme: 'nats' | 'postgres' },
  plan: RestorePlan,
  target: RestoreTarget,
  options: RestoreOptions,
  logger: Logger,
): Promise<Restored> {
  const shared =
    url.scheme === 'nats'
      ? { kind: 'stream', name: `stream ${url.stream}`, remove: `nats stream rm ${url.stream}` }
      : {
          kind: 'table',
          name: `table ${url.table}`,
          remove: `DROP TABLE ${url.table}, ${url.table}_meta, ${url.table}_nodes`,
        };
  const log = await openLog(url, { dataDir: target.stagingDir, logger });
  try {
    if (log.lastRevision() !== 0 || log.compactRevision() > 1) {
      throw new RestorePlanError(
        `--log-url ${log.describe()}: ${shared.name} is not empty (it has held revisions up to ` +
          `${log.lastRevision()}); a restore writes a history with its original revisions, which this ${shared.kind} ` +
          `has already used, so it needs a new, empty ${shared.kind}: delete this one (${shared.remove}) ` +
          `if it is no longer needed, or name a new ${shared.kind} in --log-url`,
      );
    }
    let items = 0;
    const progress = (n: number) => {
      items += n;
      options.onProgress?.(items, plan.items * 2);
    };
    const state = new KeyState();
    const replayed = await replayChain(plan, options, state, { progress });
    await checkCovered(plan, progress);
    const checked = items;
    try {
      await log.startAt(plan.baseRevision + 1);
      const copied = await copyChain(plan, state.revision, (batch) => log.appendVerbatim(batch), progress);
      if (copied !== replayed.records || log.lastRevision() !== state.revision) {
        throw new Error(
          `copied ${copied} records up to ${log.lastRevision()}, the state is at ${state.revision}`,
        );
      }
    } catch (err) {
      throw new Error(
        `${(err as Error).message}; ${shared.name} now holds part of the restore: delete it ` +
          `(${shared.remove}) and restore again`,
        { cause: err },
      );
    }
    logger.info({ log: shared.name, records: replayed.records }, `restored into the ${shared.kind}`);
    return { ...replayed, state, items: checked };
  } finally {
    await log.close().catch(() => {});
  }
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
