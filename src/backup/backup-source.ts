import { InvalidArgumentError, RevisionOutOfRangeError } from '../store/errors.js';
import type { KvStore } from '../store/kv-store.js';
import type { BackupContent } from './backup-writer.js';

/** A backup's content, taken from a live store, and the hold on the history it reads. */
export interface StoreBackup {
  readonly content: BackupContent;
  /** Items (entries + records) the backup holds as far as known now; records may still arrive. */
  readonly expectedItems: number;
  /** Lets compaction drop the history again; call when the backup ends, however it ends. */
  release(): void;
}

/**
 * What a backup of `store` holds. `fromRevision` 0: a full backup, the state now (a copy-on-write
 * snapshot at revision S) plus the records committed while it is written. `fromRevision` R >= 1: an
 * incremental backup, the records from R on. The history the backup reads is held against compaction
 * until {@link StoreBackup.release}.
 */
export async function backupOf(store: KvStore, fromRevision: number): Promise<StoreBackup> {
  const log = store.eventLog;
  if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) {
    throw new InvalidArgumentError('from_revision', `is ${fromRevision}; must be 0 (full) or a revision`);
  }
  const full = fromRevision === 0;
  const last = log.lastRevision();
  if (fromRevision > last + 1) {
    throw new RevisionOutOfRangeError(
      'from_revision',
      `${fromRevision} is beyond the store's next revision ${last + 1}`,
      log.compactRevision(),
    );
  }
  const snapshot = full ? store.snapshot() : null;
  // Taken with the snapshot, before anything else can run: the leases of the same revision.
  const leases = full ? store.leases.snapshot() : undefined;
  const base = snapshot ? snapshot.revision : fromRevision - 1;
  const release = store.holdHistory(base + 1, 'from_revision');
  try {
    const baseTimeMs = base > 0 ? ((await log.readOne(base))?.timeMs ?? 0) : 0;
    let fixedAtMs = 0;
    const content: BackupContent = {
      kind: full ? 'full' : 'incremental',
      baseRevision: base,
      baseTimeMs,
      entries: snapshot?.entries.entries(),
      leases,
      records() {
        fixedAtMs = Date.now();
        return log.readRaw(base + 1, { toRevision: log.lastRevision(), pageSize: 2000 });
      },
      async capturedAt(lastRevision) {
        // A record whose time was assigned before the end was fixed but that committed after it is not in
        // the backup: the backup then covers the time only up to just before that record's.
        const after = await log.readOne(lastRevision + 1);
        return after === undefined ? fixedAtMs : Math.min(fixedAtMs, after.timeMs - 1);
      },
    };
    return {
      content,
      expectedItems: (snapshot?.entries.size ?? 0) + (last - base),
      release,
    };
  } catch (err) {
    release();
    throw err;
  }
}
