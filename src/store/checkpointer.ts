import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isKeyProblem } from '../log/encryption.js';
import { CheckpointFormatError, readCheckpoint, writeCheckpoint } from '../projections/checkpoint-file.js';
import type { KeyState } from '../projections/key-state.js';

/** When checkpoints are written. */
export interface CheckpointOptions {
  /** Write one after this many revisions since the last (0: only on shutdown). */
  readonly everyRevisions: number;
  /** Write one at this interval when anything changed (0: no timer). */
  readonly intervalMs: number;
  /** How many checkpoint files to keep (the newest ones). */
  readonly keep: number;
}

const FILE_PATTERN = /^checkpoint-(\d{16})\.kvc$/;

/** Name of the checkpoint file of `revision` inside the checkpoint directory. */
export function checkpointFileName(revision: number): string {
  return `checkpoint-${String(revision).padStart(16, '0')}.kvc`;
}

/** Writes checkpoints of the key state, prunes old ones, and loads the newest valid one at start-up. */
export class Checkpointer {
  private lastRevision = 0;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dir: string,
    private readonly state: KeyState,
    private readonly options: CheckpointOptions,
    private readonly logger: Logger,
  ) {}

  /** Revision of the newest checkpoint written or loaded. */
  get revision(): number {
    return this.lastRevision;
  }

  /**
   * Loads the newest checkpoint at or below `maxRevision` into the state. A file that fails its checks is
   * skipped with a warning (never used) and the next older one is tried, down to `minRevision` (older ones
   * are useless once the log after them is compacted). Returns its revision, or 0.
   */
  async loadNewest(maxRevision: number, minRevision = 0): Promise<number> {
    // A checkpoint interrupted by a crash leaves its temporary file behind; it was never used.
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name.endsWith('.kvc.tmp')) await unlink(join(this.dir, name)).catch(() => {});
    }
    const revisions = await this.list();
    for (const revision of revisions.reverse()) {
      const path = join(this.dir, checkpointFileName(revision));
      if (revision > maxRevision) {
        this.logger.warn(
          { path, revision, logRevision: maxRevision },
          'checkpoint is ahead of the log; skipped',
        );
        continue;
      }
      if (revision < minRevision) {
        this.logger.warn(
          { path, revision, needed: minRevision },
          'checkpoint is older than the compacted log can extend; skipped',
        );
        continue;
      }
      const started = performance.now();
      this.state.load(0, []);
      try {
        const header = await readCheckpoint(
          path,
          (entries) => {
            for (const entry of entries) this.state.index.appendSorted(entry);
          },
          (leases) => this.state.leases.load(leases),
        );
        if (header.revision !== revision)
          throw new CheckpointFormatError(path, `holds revision ${header.revision}`);
        this.state.startAt(revision);
        this.lastRevision = revision;
        this.logger.info(
          { path, revision, keys: header.keyCount, ms: Math.round(performance.now() - started) },
          'loaded checkpoint',
        );
        return revision;
      } catch (err) {
        this.state.load(0, []);
        // A key this process lacks is a configuration error, not damage: refuse rather than fall back.
        if (isKeyProblem(err)) throw err;
        this.logger.warn(
          { path, err: (err as Error).message },
          'checkpoint is damaged; skipped, trying an older one',
        );
      }
    }
    return 0;
  }

  /**
   * The newest checkpoint above `revision` that passes its checks (it is read whole, not loaded), or
   * undefined. Such a file proves the store acknowledged its revision: start-up compares it with the log.
   */
  async newestValidAbove(revision: number): Promise<{ revision: number; path: string } | undefined> {
    for (const found of (await this.list()).reverse()) {
      if (found <= revision) return undefined;
      const path = join(this.dir, checkpointFileName(found));
      try {
        const header = await readCheckpoint(path, () => {});
        if (header.revision === found) return { revision: found, path };
      } catch (err) {
        if (isKeyProblem(err)) throw err;
        this.logger.warn({ path, err: (err as Error).message }, 'checkpoint is damaged; not counted');
      }
    }
    return undefined;
  }

  /**
   * Makes sure a checkpoint at `revision` or later is on disk (writing one of the current state if not):
   * compaction calls this before it deletes the history that start-up would otherwise replay.
   */
  async ensure(revision: number): Promise<void> {
    if (this.lastRevision >= revision) return;
    await this.checkpoint();
    if (this.lastRevision < revision) {
      throw new Error(
        `no checkpoint at revision ${revision} or later could be written (see the log); nothing was compacted`,
      );
    }
  }

  /** Revisions of the checkpoint files on disk, oldest first. */
  available(): Promise<number[]> {
    return this.list();
  }

  /** Path of the checkpoint file of `revision`. */
  pathOf(revision: number): string {
    return join(this.dir, checkpointFileName(revision));
  }

  /** Starts the interval timer. */
  start(): void {
    if (this.options.intervalMs > 0) {
      this.timer = setInterval(() => {
        if (this.state.revision > this.lastRevision) void this.checkpoint();
      }, this.options.intervalMs);
      this.timer.unref();
    }
  }

  /** Called after each commit; starts a checkpoint in the background when enough revisions went by. */
  committed(revision: number): void {
    const every = this.options.everyRevisions;
    if (every > 0 && revision - this.lastRevision >= every && this.running === null) void this.checkpoint();
  }

  /** Writes a checkpoint of the current state (waits for one in progress first). */
  async checkpoint(): Promise<void> {
    while (this.running) await this.running;
    if (this.state.revision === this.lastRevision) return;
    this.running = this.write().finally(() => {
      this.running = null;
    });
    await this.running;
  }

  /** Stops the timer and waits for a checkpoint in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running) await this.running;
  }

  private async write(): Promise<void> {
    const revision = this.state.revision;
    const snapshot = this.state.index.snapshot();
    const leases = this.state.leases.toWire();
    const path = join(this.dir, checkpointFileName(revision));
    const started = performance.now();
    try {
      const bytes = await writeCheckpoint(path, revision, snapshot, leases);
      this.lastRevision = revision;
      this.logger.info(
        { path, revision, keys: snapshot.size, bytes, ms: Math.round(performance.now() - started) },
        'wrote checkpoint',
      );
      await this.prune();
    } catch (err) {
      this.logger.warn({ path, err }, 'checkpoint failed; start-up will replay more of the log');
    }
  }

  private async prune(): Promise<void> {
    const revisions = await this.list();
    for (const revision of revisions.slice(0, Math.max(0, revisions.length - this.options.keep))) {
      await unlink(join(this.dir, checkpointFileName(revision))).catch(() => {});
    }
  }

  private list(): Promise<number[]> {
    return checkpointRevisions(this.dir);
  }
}

/** Revisions of the checkpoint files present in `dir`, oldest first. */
export async function checkpointRevisions(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const revisions: number[] = [];
  for (const name of names) {
    const match = FILE_PATTERN.exec(name);
    if (match) revisions.push(Number(match[1]));
  }
  return revisions.sort((a, b) => a - b);
}
