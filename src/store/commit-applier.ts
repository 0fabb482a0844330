import type { Logger } from 'pino';
import { type Observable, Subject } from 'rxjs';
import type { EventLog } from '../log/event-log.js';
import type { LogRecord } from '../log/events.js';
import type { ExpirySchedule } from '../projections/expiry-schedule.js';
import type { AppliedRecord, KeyState } from '../projections/key-state.js';
import type { Checkpointer } from './checkpointer.js';
import type { ExpirySweeper } from './expiry-sweeper.js';
import { armLeases } from './leases.js';
import type { WritePath } from './write-path.js';

/**
 * The log's commit listener: applies each group commit to the projection first, then tells everything
 * derived from it (the feed, the write path's waiters, expiry, checkpoints), in revision order.
 */
export class CommitApplier {
  private readonly records = new Subject<readonly AppliedRecord[]>();
  private compactionCheckpoint: Promise<void> | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly state: KeyState,
    private readonly schedule: ExpirySchedule,
    private readonly writes: WritePath,
    private readonly sweeper: ExpirySweeper,
    private readonly checkpointer: Checkpointer,
    private readonly logger: Logger,
  ) {}

  /** Every group commit's records, as applied; see {@link KvStore.feed}. */
  get feed(): Observable<readonly AppliedRecord[]> {
    return this.records.asObservable();
  }

  /** Applies one group commit; the log calls it in revision order. */
  apply(records: readonly LogRecord[]): void {
    const applied = records.map((record) => {
      const one = this.state.apply(record);
      for (const change of one.changes) if (change.entry !== null) this.schedule.add(change.entry);
      if (record.leases !== undefined) armLeases(this.schedule, record.leases, Date.now());
      return one;
    });
    this.records.next(applied);
    this.writes.view.applied(records);
    this.writes.committed(this.state.revision);
    this.sweeper.poke();
    this.checkpointer.committed(this.state.revision);
    // Another node may have compacted the shared log past this node's newest checkpoint: without a newer one
    // this node could not restart from the log. Its state is past the compaction point: write one now.
    if (this.log.compactRevision() - 1 > this.checkpointer.revision) void this.checkpointAfterCompaction();
  }

  /** Ends the feed (the store closed). */
  complete(): void {
    this.records.complete();
  }

  private checkpointAfterCompaction(): Promise<void> {
    this.compactionCheckpoint ??= this.checkpointer
      .checkpoint()
      .catch((err: unknown) => this.logger.error({ err }, 'checkpoint after a compaction of the log failed'))
      .finally(() => {
        this.compactionCheckpoint = null;
      });
    return this.compactionCheckpoint;
  }
}
