import type { EventLog, RecordBuilder } from '../log/event-log.js';
import { LogClosedError, LogUnavailableError, LogWriteError } from '../log/event-log.js';
import type { LogEvent, LogRecord } from '../log/events.js';
import { ConditionFailedError } from './conditions.js';
import { StoreUnavailableError } from './errors.js';
import { QuotaExceededError } from './namespace-quota.js';
import { NothingToWrite } from './record-builders.js';
import type { WriteView } from './write-view.js';

/** A check every record must pass where the log serialises writes (namespace quotas). */
export interface WriteGuard {
  /** Throws to refuse the record built at `revision` (nothing of it is written). */
  check(revision: number, events: readonly LogEvent[]): void;
  /** Forgets what it saw of attempts at `revision` or later (they are being built again). */
  discardFrom(revision: number): void;
}

/**
 * How the store writes: appends to the log and turns the log's errors into the store's. A builder that
 * decides not to write (a failed condition, nothing to delete) decided on records that may not be durable
 * yet; its answer is held back until they are, so no reply ever rests on a write that could still fail.
 */
export class WritePath {
  private readonly waiters: { revision: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  /** Checked on every record as built; null: none. */
  guard: WriteGuard | null = null;

  constructor(
    private readonly log: EventLog,
    /** The state at the serialisation point, for record builders. */
    readonly view: WriteView,
    private readonly appliedRevision: () => number,
  ) {}

  /** Appends one record; resolves once it is durable and applied. */
  async append(events: readonly LogEvent[] | RecordBuilder): Promise<LogRecord> {
    try {
      return await this.log.append(typeof events === 'function' ? this.attempt(events) : events);
    } catch (err) {
      if (
        err instanceof NothingToWrite ||
        err instanceof ConditionFailedError ||
        err instanceof QuotaExceededError
      ) {
        await this.durable(err.basedOn);
        throw err;
      }
      if (err instanceof LogWriteError || err instanceof LogClosedError) this.failed(err);
      throw mapLogError(err);
    }
  }

  /** Each run of the builder starts from the view without what an earlier, lost attempt staged. */
  private attempt(build: RecordBuilder): RecordBuilder {
    return (revision, timeMs) => {
      this.view.discardFrom(revision);
      const guard = this.guard;
      if (guard === null) return build(revision, timeMs);
      guard.discardFrom(revision);
      const events = build(revision, timeMs);
      try {
        guard.check(revision, events);
      } catch (err) {
        // The builder staged the record it was refused: forget it, as for a lost attempt.
        this.view.discardFrom(revision);
        throw err;
      }
      return events;
    };
  }

  /** Resolves once every revision up to `revision` is durable and applied. */
  durable(revision: number): Promise<void> {
    if (this.appliedRevision() >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ revision, resolve, reject }));
  }

  /** Called after each commit. */
  committed(revision: number): void {
    if (this.waiters.length === 0) return;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.revision <= revision) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** Fails every waiter (the log failed or closed). */
  failed(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(mapLogError(err));
  }
}

function mapLogError(err: unknown): Error {
  if (err instanceof LogClosedError) return new StoreUnavailableError('the store is shutting down');
  if (err instanceof LogWriteError || err instanceof LogUnavailableError)
    return new StoreUnavailableError(err.message);
  return err as Error;
}
