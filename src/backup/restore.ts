import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import pino from 'pino';
import { decodeRecord } from '../log/codec.js';
import type { RawRecord } from '../log/events.js';
import { SqliteEventLog } from '../log/sqlite/sqlite-log.js';
import { writeCheckpoint } from '../projections/checkpoint-file.js';
import { KeyState } from '../projections/key-state.js';
import { hashEntries } from '../projections/state-hash.js';
import { checkpointFileName } from '../store/checkpointer.js';
import type { BackupFileInfo } from './backup-file.js';
import { inspectBackupFile, readBackupFile } from './backup-file.js';
import { BackupFormatError } from './backup-format.js';
import type { RestorePoint } from './restore-plan.js';
import { planRestore } from './restore-plan.js';
import { RestoreTarget } from './restore-target.js';

/** Options of {@link restore}. */
export interface RestoreOptions extends RestorePoint {
  /** Backup files: one full backup and any incrementals, in any order. */
  readonly inputs: readonly string[];
  readonly dataDir: string;
  /** Replace the contents of a non-empty kvstore data directory. */
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
}

/**
 * Restores backups into a data directory, offline: checks every file whole (CRC-32C per frame, SHA-256 per
 * file), replays the full backup and the chain of incrementals into a fresh log with the original revision
 * numbers and commit times, stopping at the requested revision or time, and writes a checkpoint of the
 * result. Any damage or gap aborts the restore and leaves the directory as it was.
 */
export async function restore(options: RestoreOptions): Promise<RestoreResult> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const infos: BackupFileInfo[] = [];
  for (const path of options.inputs) infos.push(await inspectBackupFile(path));
  const plan = planRestore(infos, options);
  const target = await RestoreTarget.prepare(options.dataDir, options.force === true);
  let log: SqliteEventLog | null = null;
  try {
    const logPath = join(target.stagingDir, 'log.sqlite');
    log = await SqliteEventLog.open(logPath, { bulkLoad: true });
    const state = new KeyState();
    const toRevision = options.toRevision ?? Number.POSITIVE_INFINITY;
    const toTimeMs = options.toTimeMs ?? Number.POSITIVE_INFINITY;
    let stopped = false;
    let records = 0;
    let items = 0;
    let revisionTimeMs = plan.chain[0]!.header.baseTimeMs;
    const progress = (n: number) => {
      items += n;
      options.onProgress?.(items, plan.items);
    };

    // One verbatim insert runs on SQLite's thread while the next frame is read, checked and applied here.
    let inserting: Promise<void> = Promise.resolve();
    for (const [i, file] of plan.chain.entries()) {
      const writer = log;
      await readBackupFile(file.path, {
        header: async (header) => {
          if (i === 0) {
            state.startAt(header.baseRevision);
            await writer.startAt(header.baseRevision + 1);
          }
        },
        entries: (entries) => {
          if (i === 0) for (const entry of entries) state.index.appendSorted(entry);
          progress(entries.length);
        },
        records: async (first, payloads, offset) => {
          const batch: RawRecord[] = [];
          for (let k = 0; k < payloads.length && !stopped; k++) {
            const revision = first + k;
            if (revision <= state.revision) continue;
            let record: ReturnType<typeof decodeRecord>;
            try {
              record = decodeRecord(revision, payloads[k]!, { legacy: true });
              if (revision > toRevision || record.timeMs > toTimeMs) {
                stopped = true;
                break;
              }
              state.apply(record);
            } catch (err) {
              throw new BackupFormatError(file.path, offset, (err as Error).message);
            }
            revisionTimeMs = record.timeMs;
            // A copy: the reader reuses its buffer for the next frame while this one is being inserted.
            batch.push({ revision, payload: Buffer.from(payloads[k]!) });
          }
          await inserting;
          inserting = writer.appendVerbatim(batch);
          inserting.catch(() => {}); // awaited before the next insert and at the end
          records += batch.length;
          progress(payloads.length);
        },
      });
    }
    await inserting;
    // Every file given is checked, even those whose records the chain already holds.
    for (const file of plan.covered) {
      await readBackupFile(file.path, {
        entries: (entries) => progress(entries.length),
        records: (_first, payloads) => progress(payloads.length),
      });
    }

    const revision = state.revision;
    if (revision > 0) {
      await writeCheckpoint(
        join(target.stagingDir, 'checkpoints', checkpointFileName(revision)),
        revision,
        state.index.snapshot(),
      );
    }
    const { hash, keys } = await hashEntries(state.index.values());
    await log.close();
    log = null;
    await fsyncFile(logPath);
    await target.commit();
    const result: RestoreResult = {
      revision,
      revisionTimeMs,
      compactRevision: plan.baseRevision + 1,
      keys,
      hash,
      records,
      items,
      files: plan.chain.map((f) => f.path),
    };
    logger.info(result, 'restored');
    return result;
  } catch (err) {
    await log?.close().catch(() => {});
    await target.abandon();
    throw err;
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
