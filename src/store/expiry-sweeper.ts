import type { Logger } from 'pino';
import type { ExpirySchedule } from '../projections/expiry-schedule.js';
import type { KeyState } from '../projections/key-state.js';
import { leaseEndRecord } from './lease-records.js';
import { expireRecord, NothingToWrite } from './record-builders.js';
import type { WritePath } from './write-path.js';

/** Options of the {@link ExpirySweeper}. */
export interface SweeperOptions {
  /** Expired keys are removed from the log within this long of their deadline (reads hide them at once). */
  readonly intervalMs: number;
  /** Most keys expired in one record. */
  readonly batchSize: number;
}

/**
 * Appends EXPIRE events for keys whose deadline passed, so watchers, subscribers and replay see the expiry.
 * Deadlines closer together than `intervalMs` share one record. A lease whose deadline passed gets a record
 * of its own: the expire of every key attached to it and the lease's end, one revision. On a shared log
 * every node sweeps; the builders check at the serialisation point, so the second node writes nothing.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Number.POSITIVE_INFINITY;
  private sweeping = false;
  private stopped = false;
  private lastSweepAt = 0;

  constructor(
    private readonly schedule: ExpirySchedule,
    private readonly state: KeyState,
    /** The store's one way to write, so a log failure reaches everyone waiting on it. */
    private readonly writes: WritePath,
    private readonly options: SweeperOptions,
    private readonly logger: Logger,
  ) {}

  /** Re-arms the timer when the earliest deadline moved earlier. Cheap; call after every change. */
  poke(): void {
    if (this.stopped || this.sweeping) return;
    const next = this.schedule.next();
    if (next === undefined) return;
    const at = Math.max(next, this.lastSweepAt + this.options.intervalMs);
    if (at >= this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => void this.sweep(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Ends an expired lease with its keys, one record; nothing when another node of the log did it first. */
  private async expireLease(lease: number): Promise<void> {
    try {
      const stillDue = (timeMs: number) => (this.schedule.leaseDeadline(lease) ?? 0) <= timeMs;
      const record = await this.writes.append(leaseEndRecord(this.writes.view, lease, true, stillDue));
      this.logger.debug({ revision: record.revision, lease, keys: record.events.length }, 'lease expired');
    } catch (err) {
      if (!(err instanceof NothingToWrite)) throw err;
    }
  }

  /** Expires everything due now, one batch after another. */
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    try {
      for (;;) {
        const now = Date.now();
        this.lastSweepAt = now;
        const taken = this.schedule.takeDue(now, this.options.batchSize);
        if (taken.length === 0) break;
        const leases = taken.flatMap((d) =>
          d.lease !== undefined && this.state.leases.get(d.lease) !== undefined ? [d.lease] : [],
        );
        const due = taken.filter(
          (d) => d.lease === undefined && this.state.get(d.key)?.modRevision === d.modRevision,
        );
        try {
          for (const lease of leases) await this.expireLease(lease);
          if (due.length === 0) continue;
          const record = await this.writes.append(expireRecord(this.writes.view, due));
          this.logger.debug({ revision: record.revision, keys: record.events.length }, 'expired keys');
        } catch (err) {
          if (err instanceof NothingToWrite) continue;
          // Appends fail only once the log is closed or failed for good; nothing more can be written.
          this.logger.warn(
            { err },
            'expiry sweep stopped: the log refused the write; expired keys stay hidden',
          );
          this.stop();
          return;
        }
        if (this.stopped) return;
      }
    } finally {
      this.sweeping = false;
      this.poke();
    }
  }
}
