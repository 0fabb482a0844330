import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { EventLog } from '../log/event-log.js';
import { DamagedRecordError, LogClosedError, LogCompactedError } from '../log/event-log.js';

/** Pace of the background check of the log history. */
export interface HistoryCheckOptions {
  /** Records read per page. */
  readonly pageSize: number;
  /** Pause between pages, so that requests and commits are never starved by the check. */
  readonly pauseMs: number;
}

/** Where the background check of the log history stands, for status pages. */
export interface HistoryCheckReport {
  /** `pending` until the store has opened; `stopped`: the store closed first; `failed`: see the log. */
  readonly state: 'pending' | 'running' | 'done' | 'stopped' | 'failed';
  /** Records checked so far. */
  readonly checkedRecords: number;
  /** Damaged records found (each logged at error). */
  readonly damagedRecords: number;
  /** The first damaged revisions found (at most {@link MAX_LISTED}). */
  readonly damagedRevisions: readonly number[];
}

const MAX_LISTED = 100;

/**
 * Re-reads the log history that start-ups have already verified (the compaction point up to the watermark),
 * page by page in the background, and reports each record that fails its checksum now: bit rot in old
 * records is found within minutes of a restart without making the restart pay for the whole history.
 * A damaged record does not stop the server (its state came from a checkpoint and a verified tail), but
 * reads of history that reach it (watch catch-up, backups, `readOne`) fail, so it is logged at error and
 * counted in the status and in `kvstore_log_damaged_records`.
 */
export class HistoryCheck {
  private readonly stopper = new AbortController();
  private running: Promise<void> | null = null;
  private state: HistoryCheckReport['state'] = 'pending';
  private checked = 0;
  private damaged = 0;
  private readonly listed: number[] = [];

  constructor(
    private readonly log: EventLog,
    private readonly options: HistoryCheckOptions,
    private readonly logger: Logger,
  ) {}

  /** Starts checking the records from the compaction point through `through`. */
  start(through: number): void {
    if (this.running) return;
    this.state = 'running';
    this.running = this.run(through).then(
      () => {
        this.state = this.stopper.signal.aborted ? 'stopped' : 'done';
      },
      (err: unknown) => {
        this.state = 'failed';
        this.logger.warn({ err }, 'the background check of the log history stopped on an error');
      },
    );
  }

  /** Stops the check and waits for the page in flight; never rejects. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  /** Figures for status pages. */
  report(): HistoryCheckReport {
    return {
      state: this.state,
      checkedRecords: this.checked,
      damagedRecords: this.damaged,
      damagedRevisions: [...this.listed],
    };
  }

  private async run(through: number): Promise<void> {
    const { signal } = this.stopper;
    const from = this.log.compactRevision();
    if (from > through) return;
    const started = performance.now();
    this.logger.info({ from, to: through }, 'checking the log history in the background');
    let next = from;
    while (!signal.aborted) {
      next = Math.max(next, this.log.compactRevision()); // compaction may have dropped the rest of a page
      if (next > through) break;
      next = await this.page(next, Math.min(through, next + this.options.pageSize - 1));
      if (next === -1) return; // the log closed
      await sleep(this.options.pauseMs, undefined, { signal }).catch(() => {});
    }
    if (signal.aborted) return;
    this.logger.info(
      {
        from,
        to: through,
        records: this.checked,
        damaged: this.damaged,
        ms: Math.round(performance.now() - started),
      },
      'checked the log history in the background',
    );
  }

  /** Checks `from..to`; returns the next revision to check, or -1 when the log has closed. */
  private async page(from: number, to: number): Promise<number> {
    let next = from;
    try {
      for await (const record of this.log.readRaw(from, {
        toRevision: to,
        pageSize: this.options.pageSize,
      })) {
        this.checked++;
        next = record.revision + 1;
      }
      return to + 1;
    } catch (err) {
      if (err instanceof DamagedRecordError) {
        this.found(err);
        return err.revision + 1;
      }
      if (err instanceof LogCompactedError) return Math.max(err.compactRevision, next + 1);
      if (err instanceof LogClosedError) return -1;
      throw err;
    }
  }

  private found(err: DamagedRecordError): void {
    this.checked++;
    this.damaged++;
    if (this.listed.length < MAX_LISTED) this.listed.push(err.revision);
    this.logger.error(
      { revision: err.revision, file: err.path },
      `DAMAGED LOG RECORD found by the background check of the history: ${err.message}. The state served is ` +
        'whole (it came from a checkpoint and a verified tail), but watches, backups and reads of history ' +
        'that reach this revision fail; plan a restore from a backup, or compact the history past it',
    );
  }
}
