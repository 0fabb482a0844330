import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decodeRecord, LEGACY_FORMAT_VERSION } from '../log/codec.js';
import { isKeyProblem } from '../log/encryption.js';
import { type LogFileSummary, SqliteLogFile } from '../log/sqlite/sqlite-inspect.js';
import { readCheckpoint } from '../projections/checkpoint-file.js';
import { checkpointFileName, checkpointRevisions } from './checkpointer.js';
import { DataDir } from './data-dir.js';
import { DataDirStateError } from './errors.js';
import { describeLoss, findLoss, type Witness, type WitnessReader } from './witness.js';

/** One thing wrong with a data directory, in the file that shows it. */
export interface CheckProblem {
  readonly file: string;
  readonly message: string;
}

/** A checkpoint file and whether it passed its checks. */
export interface CheckedCheckpoint {
  readonly revision: number;
  readonly path: string;
  readonly ok: boolean;
}

/** What {@link checkDataDir} found. */
export interface DataDirReport {
  readonly dir: string;
  readonly log: LogFileSummary | null;
  /**
   * No log.sqlite but checkpoints: a cluster node's directory, whose log is a JetStream stream (log.url),
   * not checked here; only the checkpoints are.
   */
  readonly sharedLog: boolean;
  /** The newest revision the log holds or compacted (0: empty). */
  readonly lastRevision: number;
  /** Records read and checked. */
  readonly records: number;
  /** Records of format 1 (no checksum; decoded only): the next start upgrades them. */
  readonly legacyRecords: number;
  readonly checkpoints: readonly CheckedCheckpoint[];
  readonly problems: readonly CheckProblem[];
}

/** Options of {@link checkDataDir}. */
export interface CheckOptions {
  /** Witnesses besides the checkpoints (the NATS publish cursor). */
  readonly witnesses?: readonly WitnessReader[];
  /** Records checked so far, of the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Damaged records listed one by one; beyond, one line counts the rest. */
  readonly maxListed?: number;
}

/**
 * Verifies a data directory offline, without modifying it: every log record's checksum and decoding,
 * revisions without a gap above the compaction point, every checkpoint's checksum, a checkpoint start-up
 * can use, and no checkpoint or other witness ahead of the log. Holds the directory's lock meanwhile, so a
 * server cannot start on it (and one that runs is refused with {@link DataDirLockedError}).
 */
export async function checkDataDir(path: string, options: CheckOptions = {}): Promise<DataDirReport> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => null);
  if (!info?.isDirectory()) throw new DataDirStateError(absolute, 'is not a directory');
  if (!(await stat(join(absolute, 'log.sqlite')).catch(() => null))) {
    if ((await checkpointRevisions(join(absolute, 'checkpoints'))).length > 0) return checkNodeDir(absolute);
    throw new DataDirStateError(absolute, 'holds no log.sqlite: not a kvstore data directory');
  }
  const dir = await DataDir.open(absolute);
  try {
    const problems: CheckProblem[] = [];
    const log = await checkLog(dir.logPath, problems, options);
    const lastRevision = log.summary ? Math.max(log.summary.lastRow, log.summary.compactRevision - 1) : 0;
    const checkpoints = await checkCheckpoints(dir.checkpointDir, problems);
    if (log.summary) {
      const witnesses: (Witness | undefined)[] = checkpoints
        .filter((c) => c.ok)
        .map((c) => ({ revision: c.revision, source: c.path }));
      for (const read of options.witnesses ?? []) witnesses.push(await read());
      const loss = findLoss(lastRevision, witnesses);
      if (loss) problems.push({ file: loss.witnesses[0]!.source, message: describeLoss(loss) });
      const needed = log.summary.compactRevision - 1;
      if (needed > 0 && !checkpoints.some((c) => c.ok && c.revision >= needed)) {
        problems.push({
          file: dir.checkpointDir,
          message: `the log is compacted below revision ${needed + 1}, and no checkpoint at revision ${needed} or later passes its checks: start-up needs one`,
        });
      }
    }
    return {
      dir: absolute,
      log: log.summary,
      sharedLog: false,
      lastRevision,
      records: log.records,
      legacyRecords: log.legacyRecords,
      checkpoints,
      problems,
    };
  } finally {
    await dir.release();
  }
}

/** A cluster node's data directory: its checkpoints only (the log is the stream, not in the directory). */
async function checkNodeDir(absolute: string): Promise<DataDirReport> {
  const dir = await DataDir.open(absolute);
  try {
    const problems: CheckProblem[] = [];
    const checkpoints = await checkCheckpoints(dir.checkpointDir, problems);
    return {
      dir: absolute,
      log: null,
      sharedLog: true,
      lastRevision: 0,
      records: 0,
      legacyRecords: 0,
      checkpoints,
      problems,
    };
  } finally {
    await dir.release();
  }
}

async function checkLog(
  path: string,
  problems: CheckProblem[],
  options: CheckOptions,
): Promise<{ summary: LogFileSummary | null; records: number; legacyRecords: number }> {
  let file: SqliteLogFile;
  let summary: LogFileSummary;
  try {
    file = await SqliteLogFile.open(path);
    summary = await file.summary().catch(async (err: unknown) => {
      await file.close();
      throw err;
    });
  } catch (err) {
    problems.push({ file: path, message: withoutPath(path, err) });
    return { summary: null, records: 0, legacyRecords: 0 };
  }
  const maxListed = options.maxListed ?? 100;
  const legacy = summary.schemaVersion < 2;
  let expected = summary.compactRevision;
  let records = 0;
  let legacyRecords = 0;
  let damaged = 0;
  const damage = (message: string) => {
    if (++damaged <= maxListed) problems.push({ file: path, message });
  };
  try {
    for await (const { revision, payload } of file.rows()) {
      if (revision < expected) continue; // below the compaction point: never read
      if (revision > expected) {
        const range =
          revision - 1 === expected
            ? `revision ${expected} is`
            : `revisions ${expected}..${revision - 1} are`;
        damage(
          `${range} missing (the log holds every revision from its compact revision ${summary.compactRevision} on)`,
        );
      }
      expected = revision + 1;
      try {
        decodeRecord(revision, payload, { legacy });
        if (payload[0] === LEGACY_FORMAT_VERSION) legacyRecords++;
      } catch (err) {
        // A missing or wrong encryption key is not damage: stop, saying which key.
        if (isKeyProblem(err)) throw err;
        damage((err as Error).message);
      }
      records++;
      options.onProgress?.(records, summary.rows);
    }
  } finally {
    await file.close();
  }
  if (damaged > maxListed) {
    problems.push({ file: path, message: `and ${damaged - maxListed} more damaged or missing records` });
  }
  return { summary, records, legacyRecords };
}

async function checkCheckpoints(dir: string, problems: CheckProblem[]): Promise<CheckedCheckpoint[]> {
  const checked: CheckedCheckpoint[] = [];
  for (const revision of await checkpointRevisions(dir)) {
    const path = join(dir, checkpointFileName(revision));
    let ok = false;
    try {
      const header = await readCheckpoint(path, () => {});
      ok = header.revision === revision;
      if (!ok) problems.push({ file: path, message: `holds revision ${header.revision}, not ${revision}` });
    } catch (err) {
      if (isKeyProblem(err)) throw err;
      problems.push({ file: path, message: withoutPath(path, err) });
    }
    checked.push({ revision, path, ok });
  }
  return checked;
}

/** The message of an error that names `path` first, without it (the report names the file). */
function withoutPath(path: string, err: unknown): string {
  const message = (err as Error).message;
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}
