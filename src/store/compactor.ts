import type { Logger } from 'pino';
import type { EventLog } from '../log/event-log.js';
import { LogClosedError } from '../log/event-log.js';
import type { Checkpointer } from './checkpointer.js';
import { ConflictError, InvalidArgumentError, RevisionOutOfRangeError } from './errors.js';

/** Auto-compaction: how much history to keep. Both 0 (the default) turns it off. */
export interface CompactionOptions {
  /** Keep at least this many of the newest revisions (0: no limit by count). */
  readonly keepRevisions: number;
  /** Keep at least the records committed within this many milliseconds (0: no limit by age). */
  readonly keepForMs: number;
  /** How often auto-compaction looks for history to drop. */
  readonly intervalMs: number;
}

/** What a compaction did. */
export interface CompactResult {
  /** Records below this revision are gone. */
  readonly compactRevision: number;
  /** Revisions dropped by this compaction. */
  readonly removed: number;
}

/**
 * Drops log history below a revision while keeping the state: first it makes sure a checkpoint at
 * `revision - 1` or later is on disk (start-up rebuilds from checkpoint + log tail, and the tail before it
 * is about to go), then it asks the log to delete. Backups in progress hold the history they still have to
 * read; a compaction past a hold is refused (by request) or stops short of it (auto).
 */
export class Compactor {
  private readonly holds = new Map<symbol, number>();
  private running: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly checkpointer: Checkpointer,
    private readonly currentRevision: () => number,
    private readonly options: CompactionOptions,
    private readonly logger: Logger,
  ) {}

  /** True when auto-compaction is configured. */
  get auto(): boolean {
    return this.options.keepRevisions > 0 || this.options.keepForMs > 0;
  }

  /**
   * Keeps the history from `fromRevision` on until the returned function is called (a backup reading it).
   * Throws {@link RevisionOutOfRangeError} when it is already compacted.
   */
  hold(fromRevision: number, field = 'from_revision'): () => void {
    const compact = this.log.compactRevision();
    if (fromRevision < compact) {
      throw new RevisionOutOfRangeError(
        field,
        `revision ${fromRevision} has been compacted; the oldest available is ${compact}`,
        compact,
      );
    }
    const id = Symbol('hold');
    this.holds.set(id, fromRevision);
    return () => this.holds.delete(id);
  }

  /** Compacts the log below `revision` (at most the current revision); one compaction runs at a time. */
  async compact(revision: number): Promise<CompactResult> {
    const current = this.currentRevision();
    const compact = this.log.compactRevision();
    // Any whole number is a revision; one past the store's (however large) is out of range, not malformed.
    if (!Number.isInteger(revision) || revision < 1) {
      throw new InvalidArgumentError('revision', `is ${revision}; must be a whole number from 1`);
    }
    if (revision > current) {
      throw new RevisionOutOfRangeError(
        'revision',
        `${revision} is beyond the store's current revision ${current}; compact to ${current} at most`,
        compact,
      );
    }
    if (revision <= compact) {
      throw new RevisionOutOfRangeError(
        'revision',
        `${revision} has already been compacted (the compact revision is ${compact})`,
        compact,
      );
    }
    return this.serialised(() => this.run(revision, false));
  }

  /** Starts the auto-compaction timer, when configured. */
  start(): void {
    if (!this.auto || this.timer) return;
    this.timer = setInterval(() => void this.autoCompact(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a compaction in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running.catch(() => {});
  }

  /** One round of auto-compaction: drops what the retention settings no longer ask to keep. */
  async autoCompact(): Promise<CompactResult | null> {
    // Never rejects: it runs from a timer, where a rejection would be unhandled.
    try {
      const target = await this.autoTarget();
      if (target <= this.log.compactRevision()) return null;
      return await this.serialised(() => this.run(target, true));
    } catch (err) {
      // Closing the store is not a failure; anything else is, and the next round tries again.
      if (!(err instanceof LogClosedError))
        this.logger.warn({ err }, 'auto-compaction failed; will try again');
      return null;
    }
  }

  private async run(revision: number, auto: boolean): Promise<CompactResult> {
    const before = this.log.compactRevision();
    if (revision <= before) return { compactRevision: before, removed: 0 };
    const started = performance.now();
    await this.checkpointer.ensure(revision - 1);
    // Checked again after the checkpoint's await, right before the log raises its compact revision (which
    // it does synchronously), so a backup that took a hold meanwhile is never cut short.
    const held = this.oldestHold();
    if (held < revision) {
      if (!auto) {
        throw new ConflictError(
          `revision: a backup is reading the log from revision ${held}; compact to at most ${held}, or retry when it is done`,
        );
      }
      revision = held;
      if (revision <= before) return { compactRevision: before, removed: 0 };
    }
    await this.log.compact(revision);
    const result = { compactRevision: revision, removed: revision - before };
    this.logger.info(
      { ...result, auto, ms: Math.round(performance.now() - started) },
      'compacted the log history',
    );
    return result;
  }

  /** The revision the retention settings allow compacting to (never past the current revision or a hold). */
  private async autoTarget(): Promise<number> {
    const current = this.currentRevision();
    let target = current;
    if (this.options.keepRevisions > 0) target = Math.min(target, current - this.options.keepRevisions + 1);
    if (this.options.keepForMs > 0) {
      target = Math.min(target, await this.firstRevisionSince(Date.now() - this.options.keepForMs, current));
    }
    return Math.min(target, this.oldestHold());
  }

  /** The oldest revision committed at or after `timeMs` (records' times never decrease: binary search). */
  private async firstRevisionSince(timeMs: number, current: number): Promise<number> {
    let lo = this.log.compactRevision();
    let hi = current;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const record = await this.log.readOne(mid);
      // A record gone meanwhile (compacted) is older than anything we keep.
      if (record === undefined || record.timeMs < timeMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private oldestHold(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const from of this.holds.values()) oldest = Math.min(oldest, from);
    return oldest;
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const next = this.running.catch(() => {}).then(task);
    this.running = next;
    return next;
  }
}
