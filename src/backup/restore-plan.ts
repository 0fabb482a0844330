import { ENCRYPTED_FORMAT_VERSION } from '../log/codec.js';
import type { BackupFileInfo } from './backup-file.js';

/** Where a restore stops: a revision, a time, or (neither) the end of the backups. */
export interface RestorePoint {
  /** Stop after this revision. */
  readonly toRevision?: number;
  /** Stop after the last record committed at or before this time (ms since the epoch). */
  readonly toTimeMs?: number;
}

/** The backups of a restore, in the order they are replayed. */
export interface RestorePlan {
  /** The full backup (or the incremental from revision 1) and the incrementals that continue it. */
  readonly chain: readonly BackupFileInfo[];
  /** Files whose records the chain already holds: checked, not replayed. */
  readonly covered: readonly BackupFileInfo[];
  /** The revision of the chain's starting state. */
  readonly baseRevision: number;
  /** The last revision the chain holds. */
  readonly lastRevision: number;
  /** Items (entries and records) in all files, as their trailers state it (for progress). */
  readonly items: number;
}

/** The backups given cannot produce what was asked; nothing was restored. */
export class RestorePlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestorePlanError';
  }
}

/**
 * Orders backups into a chain: one full backup (or an incremental from revision 1, which needs no state),
 * then incrementals, each starting at or before the revision after the chain's end so far. Overlaps are
 * fine (records already held are skipped); a gap is refused, as is a restore point the chain does not reach.
 */
export function planRestore(files: readonly BackupFileInfo[], point: RestorePoint): RestorePlan {
  for (const f of files) {
    if (f.header.recordFormat > ENCRYPTED_FORMAT_VERSION) {
      throw new RestorePlanError(
        `${f.path}: holds records of format ${f.header.recordFormat}, this kvstore reads up to ${ENCRYPTED_FORMAT_VERSION}`,
      );
    }
  }
  const fulls = files.filter((f) => f.header.kind === 'full');
  if (fulls.length > 1) {
    throw new RestorePlanError(
      `more than one full backup given (${fulls.map((f) => f.path).join(', ')}); give one, and the incrementals after it`,
    );
  }
  const start = fulls[0] ?? files.find((f) => f.header.kind === 'incremental' && f.header.baseRevision === 0);
  if (start === undefined) {
    throw new RestorePlanError(
      'no full backup given (nor an incremental from revision 1): a restore starts from a full backup',
    );
  }
  const rest = files
    .filter((f) => f !== start)
    .sort(
      (a, b) =>
        a.header.baseRevision - b.header.baseRevision || b.trailer.lastRevision - a.trailer.lastRevision,
    );
  const chain = [start];
  const covered: BackupFileInfo[] = [];
  let end = start.trailer.lastRevision;
  for (const f of rest) {
    if (f.trailer.lastRevision <= end) {
      covered.push(f);
      continue;
    }
    if (f.header.baseRevision > end) {
      throw new RestorePlanError(
        `${f.path} starts at revision ${f.header.baseRevision + 1}, but the backups before it end at ${end}: ` +
          `revisions ${end + 1}..${f.header.baseRevision} are in none of the files given`,
      );
    }
    chain.push(f);
    end = f.trailer.lastRevision;
  }

  const base = start.header.baseRevision;
  if (point.toRevision !== undefined && (point.toRevision < base || point.toRevision > end)) {
    throw new RestorePlanError(
      `--to-revision ${point.toRevision}: the backups hold revisions ${base} (${start.path}) to ${end}`,
    );
  }
  if (point.toTimeMs !== undefined) {
    const startTime = start.header.baseTimeMs;
    if (base > 0 && startTime > 0 && point.toTimeMs < startTime) {
      throw new RestorePlanError(
        `--to-time ${iso(point.toTimeMs)}: ${start.path} holds the state at revision ${base}, committed ` +
          `later (${iso(startTime)}); use an older full backup`,
      );
    }
    const last = chain.at(-1)!;
    if (point.toTimeMs > last.trailer.capturedAtMs) {
      throw new RestorePlanError(
        `--to-time ${iso(point.toTimeMs)}: the backups hold the history up to ${iso(last.trailer.capturedAtMs)} ` +
          `(${last.path}); later history is not in them (without --to-time, everything they hold is restored)`,
      );
    }
  }
  return {
    chain,
    covered,
    baseRevision: base,
    lastRevision: end,
    items: files.reduce((n, f) => n + f.trailer.items, 0),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
