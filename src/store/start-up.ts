import type { Logger } from 'pino';
import type { EventLog } from '../log/event-log.js';
import type { KeyState } from '../projections/key-state.js';
import type { Checkpointer } from './checkpointer.js';
import type { DataDir } from './data-dir.js';
import { DataDirStateError } from './errors.js';
import { replayLog, verifyHistory } from './replay.js';
import { describeLoss, findLoss, type LogLoss, type WitnessReader } from './witness.js';

/** How start-up treats a log shorter than what was acknowledged. */
export interface RecoveryOptions {
  /** Witnesses besides the checkpoints (the NATS publish cursor). */
  readonly witnesses: readonly WitnessReader[];
  /** Serve the newest checkpoint's state and continue after every witnessed revision, instead of refusing. */
  readonly acceptLogTruncation: boolean;
}

/**
 * Rebuilds the state from the newest usable checkpoint and the log after it, after checking every record
 * the replay does not read and no start-up has verified yet (above the log's verified-through watermark),
 * so damage is found now, not by a watcher or a backup months later. A
 * checkpoint or another witness ahead of the log proves acknowledged writes were lost: refused, or with
 * `acceptLogTruncation`, continued after the highest witnessed revision (see {@link acceptTruncation}).
 */
export async function recoverState(
  dir: DataDir,
  log: EventLog,
  checkpointer: Checkpointer,
  state: KeyState,
  options: RecoveryOptions,
  logger: Logger,
): Promise<void> {
  const logRevision = log.lastRevision();
  const loss = await witnessedLoss(dir, log, checkpointer, logRevision, options);
  // The history up to the checkpoint start-up will most likely load is checked while it loads: SQLite
  // reads on its own thread while the checkpoint decodes here. Should that one be damaged, the replay from
  // an older one checks the rest. After a loss the log's history is dropped, so it is not checked.
  const candidate = loss ? 0 : ((await checkpointer.available()).filter((r) => r <= logRevision).at(-1) ?? 0);
  const checking = verifyHistory(log, candidate, logger);
  checking.catch(() => {}); // awaited below; not unhandled meanwhile
  // Replay needs the log right after the checkpoint: one older than the compaction point is useless.
  const needed = log.compactRevision() - 1;
  let fromCheckpoint: number;
  try {
    fromCheckpoint = await checkpointer.loadNewest(loss ? Number.POSITIVE_INFINITY : logRevision, needed);
  } finally {
    // Settled before an error goes up, since the caller then closes the log it reads.
    await checking.catch(() => {});
  }
  await checking;
  if (fromCheckpoint < needed) {
    throw new DataDirStateError(
      dir.path,
      `the log's history before revision ${needed + 1} is compacted, so start-up needs a checkpoint at revision ` +
        `${needed} or later in ${dir.checkpointDir}, and none is usable (see the warnings above); ` +
        // A shared log (a cluster's stream) is not in the data directory: a backup cannot be restored into
        // this directory alone, but any node of the stream holds the checkpoints this node lacks.
        (log.readIndex === undefined
          ? 'restore the directory from a backup (kvstore restore)'
          : `the log is the stream ${log.describe()}, whose history starts at revision ${needed + 1} ` +
            '(compacted, or restored from a backup): copy the checkpoints/ directory of a node that runs on ' +
            'this stream (after a restore, of the data directory kvstore restore wrote) into this data ' +
            'directory, then start again (docs/cluster.md, "Backing up and restoring a cluster")'),
    );
  }
  if (fromCheckpoint <= logRevision) await replayLog(log, state, logger);
  if (loss) await acceptTruncation(log, checkpointer, state, loss, logger);
}

/**
 * The acknowledged writes the log lost, from the newest checkpoint ahead of it and the other witnesses;
 * throws unless the loss may be accepted (`acceptLogTruncation`, and a log only this node writes).
 */
async function witnessedLoss(
  dir: DataDir,
  log: EventLog,
  checkpointer: Checkpointer,
  logRevision: number,
  options: RecoveryOptions,
): Promise<LogLoss | null> {
  const witnesses = [await checkpointer.newestValidAbove(logRevision)].map(
    (c) => c && { revision: c.revision, source: c.path },
  );
  for (const read of options.witnesses) witnesses.push(await read());
  const loss = findLoss(logRevision, witnesses);
  if (loss && log.readIndex !== undefined) {
    // A shared log is every node's history: one node must never cut it to its own checkpoints.
    throw new DataDirStateError(
      dir.path,
      `${describeLoss(loss)}. The log is shared by a cluster (${log.describe()}): this data directory's ` +
        'checkpoints or NATS cursor belong to another history or to a stream that lost data. Empty the data ' +
        'directory (the node rebuilds from the stream; docs/cluster.md), or restore the cluster from a backup; ' +
        '--accept-log-truncation does not apply to a shared log',
    );
  }
  if (loss && !options.acceptLogTruncation) {
    throw new DataDirStateError(
      dir.path,
      `${describeLoss(loss)}. Restore the directory from a backup (kvstore restore), or start with ` +
        `--accept-log-truncation to serve the newest state the checkpoints and the log hold and continue at revision ${loss.revision + 1} ` +
        `(docs/operations.md, "When the log is shorter than what was acknowledged")`,
    );
  }
  return loss;
}

/**
 * Continues after a loss without reusing a revision: the state (the newest checkpoint's, which may be
 * ahead of the log) is declared the state at the highest witnessed revision W, a checkpoint at W is
 * written, and only then does the log continue at W + 1 with the history before it compacted, so a
 * crash between the two steps leaves a directory the next start handles the same way.
 */
async function acceptTruncation(
  log: EventLog,
  checkpointer: Checkpointer,
  state: KeyState,
  loss: LogLoss,
  logger: Logger,
): Promise<void> {
  const served = state.revision;
  if (loss.revision > served) state.startAt(loss.revision);
  await checkpointer.ensure(loss.revision);
  await log.startAt(loss.revision + 1);
  const lostChanges =
    served < loss.revision ? `; the changes of revisions ${served + 1}..${loss.revision} are lost` : '';
  logger.error(
    {
      logRevision: loss.logRevision,
      witnessedRevision: loss.revision,
      stateRevision: served,
      witnesses: loss.witnesses,
    },
    `ACCEPTED LOG TRUNCATION: ${describeLoss(loss)}. Serving the state of revision ${served}${lostChanges}; ` +
      `the history before revision ${loss.revision + 1} is compacted and new writes start at ${loss.revision + 1}`,
  );
}
