import { decodeRecord } from '../log/codec.js';
import type { RawRecord } from '../log/events.js';
import type { KeyState } from '../projections/key-state.js';
import { readBackupFile } from './backup-file.js';
import { BackupFormatError } from './backup-format.js';
import type { RestorePlan, RestorePoint } from './restore-plan.js';

/** Receives the records a pass copies, one batch per backup frame, in revision order. */
export type RecordSink = (batch: readonly RawRecord[]) => Promise<void>;

/** What {@link replayChain} read. */
export interface ReplayResult {
  /** Records applied (and handed to the sink, when there is one). */
  readonly records: number;
  /** Commit time of the last revision applied (the base state's when none was), 0 when unknown. */
  readonly revisionTimeMs: number;
}

/**
 * Reads the chain's files in order, each checked whole (frame CRCs, structure, SHA-256), loads the full
 * backup's state into `state` and applies every record after it up to the restore point, which checks that
 * each event follows from the state. `start` is told the base revision before anything else happens; the
 * records applied are handed, copied, to `sink`, whose write of one batch overlaps the reading of the next
 * frame. Every file is read to its end even after the restore point, so damage anywhere is found.
 */
export async function replayChain(
  plan: RestorePlan,
  point: RestorePoint,
  state: KeyState,
  io: { start?: (baseRevision: number) => Promise<void>; sink?: RecordSink; progress: (n: number) => void },
): Promise<ReplayResult> {
  const toRevision = point.toRevision ?? Number.POSITIVE_INFINITY;
  const toTimeMs = point.toTimeMs ?? Number.POSITIVE_INFINITY;
  let stopped = false;
  let records = 0;
  let revisionTimeMs = plan.chain[0]!.header.baseTimeMs;
  // One batch is written (SQLite: on its own thread; JetStream: in flight) while the next frame is checked.
  let writing: Promise<void> = Promise.resolve();
  for (const [i, file] of plan.chain.entries()) {
    await readBackupFile(file.path, {
      header: async (header) => {
        if (i > 0) return;
        state.startAt(header.baseRevision);
        await io.start?.(header.baseRevision);
      },
      entries: (entries) => {
        if (i === 0) for (const entry of entries) state.index.appendSorted(entry);
        io.progress(entries.length);
      },
      leases: (leases) => {
        if (i === 0) state.leases.load(leases);
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
          records++;
          // A copy: the reader reuses its buffer for the next frame while this one is being written.
          if (io.sink) batch.push({ revision, payload: Buffer.from(payloads[k]!) });
        }
        await writing;
        if (io.sink && batch.length > 0) {
          writing = io.sink(batch);
          writing.catch(() => {}); // awaited before the next batch and at the end
        }
        io.progress(payloads.length);
      },
    });
  }
  await writing;
  return { records, revisionTimeMs };
}

/**
 * The second pass of a restore into a shared log: reads the chain again and hands the records
 * `baseRevision + 1 .. through` to `sink`, without applying them: the first pass checked the files whole,
 * built the state and stopped at `through`. Frames are checked again as they are read, and the log verifies
 * each record's checksum as it appends it, so a file altered between the passes cannot slip a damaged record
 * in (it fails the restore instead). Returns the number of records handed over.
 */
export async function copyChain(
  plan: RestorePlan,
  through: number,
  sink: RecordSink,
  progress: (n: number) => void,
): Promise<number> {
  let next = plan.baseRevision + 1;
  let writing: Promise<void> = Promise.resolve();
  for (const file of plan.chain) {
    if (next > through) break;
    await readBackupFile(file.path, {
      entries: (entries) => progress(entries.length),
      records: async (first, payloads) => {
        const batch: RawRecord[] = [];
        for (let k = Math.max(0, next - first); k < payloads.length && first + k <= through; k++) {
          batch.push({ revision: first + k, payload: Buffer.from(payloads[k]!) });
        }
        if (batch.length > 0) next = batch.at(-1)!.revision + 1;
        await writing;
        if (batch.length > 0) {
          writing = sink(batch);
          writing.catch(() => {}); // awaited before the next batch and at the end
        }
        progress(payloads.length);
      },
    });
  }
  await writing;
  return next - plan.baseRevision - 1;
}

/** Checks the files the chain already covers (read whole, nothing applied). */
export async function checkCovered(plan: RestorePlan, progress: (n: number) => void): Promise<void> {
  for (const file of plan.covered) {
    await readBackupFile(file.path, {
      entries: (entries) => progress(entries.length),
      records: (_first, payloads) => progress(payloads.length),
    });
  }
}
