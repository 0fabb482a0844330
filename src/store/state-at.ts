import type { EventLog } from '../log/event-log.js';
import { LogCompactedError } from '../log/event-log.js';
import { readCheckpoint } from '../projections/checkpoint-file.js';
import { KeyState } from '../projections/key-state.js';
import type { StateHash } from '../projections/state-hash.js';
import { hashEntries } from '../projections/state-hash.js';
import type { Checkpointer } from './checkpointer.js';
import { InvalidArgumentError, RevisionOutOfRangeError } from './errors.js';

/** A HashKV: the hash of the state at `revision` (see state-hash.ts for the definition). */
export interface HashKvResult extends StateHash {
  readonly revision: number;
  readonly compactRevision: number;
}

/**
 * The HashKV of the state at `revision` (0: the current one). The current state is hashed from a
 * copy-on-write snapshot; an earlier one is rebuilt with {@link rebuildStateAt}.
 */
export async function hashKvAt(
  revision: number,
  state: KeyState,
  log: EventLog,
  checkpointer: Checkpointer,
): Promise<HashKvResult> {
  const current = state.revision;
  const compactRevision = log.compactRevision();
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new InvalidArgumentError('revision', `is ${revision}; must be a whole number (0: current)`);
  }
  if (revision > current) {
    throw new RevisionOutOfRangeError(
      'revision',
      `${revision} is beyond the store's revision ${current}`,
      compactRevision,
    );
  }
  if (revision === 0 || revision === current) {
    const snapshot = state.index.snapshot();
    return { revision: current, compactRevision, ...(await hashEntries(snapshot.entries())) };
  }
  const past = await rebuildStateAt(revision, log, checkpointer);
  return { revision, compactRevision, ...(await hashEntries(past.index.values())) };
}

/**
 * Rebuilds the key state as it was at an earlier `revision`, in a fresh {@link KeyState}: from the newest
 * checkpoint at or below it whose log tail is still held (or from nothing, when no history was compacted),
 * then the log up to `revision`. Costs memory for a second copy of the state while it is used.
 * Throws {@link RevisionOutOfRangeError} when no such starting point exists.
 */
export async function rebuildStateAt(
  revision: number,
  log: EventLog,
  checkpointer: Checkpointer,
): Promise<KeyState> {
  const compact = log.compactRevision();
  const usable = (await checkpointer.available()).filter((c) => c >= compact - 1);
  const bases = usable.filter((c) => c <= revision).reverse();
  if (compact === 1) bases.push(0);
  const state = new KeyState();
  let loaded = false;
  for (const base of bases) {
    loaded = await loadBase(state, base, checkpointer);
    if (loaded) break;
  }
  if (!loaded) throw outOfRange(revision, compact, usable[0] ?? log.lastRevision());
  try {
    for await (const record of log.read(state.revision + 1, { toRevision: revision, pageSize: 2000 })) {
      state.apply(record);
    }
  } catch (err) {
    if (err instanceof LogCompactedError) throw outOfRange(revision, err.compactRevision, log.lastRevision());
    throw err;
  }
  return state;
}

/** Loads the checkpoint of `base` (0: the empty state); false when it is damaged or was pruned meanwhile. */
async function loadBase(state: KeyState, base: number, checkpointer: Checkpointer): Promise<boolean> {
  state.load(0, []);
  if (base > 0) {
    try {
      const header = await readCheckpoint(
        checkpointer.pathOf(base),
        (entries) => {
          for (const entry of entries) state.index.appendSorted(entry);
        },
        (leases) => state.leases.load(leases),
      );
      if (header.revision !== base) throw new Error(`holds revision ${header.revision}`);
    } catch {
      state.load(0, []);
      return false;
    }
  }
  state.startAt(base);
  return true;
}

function outOfRange(revision: number, compact: number, oldest: number): RevisionOutOfRangeError {
  return new RevisionOutOfRangeError(
    'revision',
    `the state at ${revision} can no longer be rebuilt: the history before ${compact} is compacted and the ` +
      `oldest checkpoint after that is at ${oldest}; ask for revision ${oldest} or later`,
    compact,
  );
}
