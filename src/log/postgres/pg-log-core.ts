import type pg from 'pg';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { decodeRecord } from '../codec.js';
import type { CommitObserver } from '../commit-observer.js';
import { type LogUnavailableError, LogWriteError } from '../event-log.js';
import type { LogRecord } from '../events.js';
import { CommitListeners } from '../log-rules.js';
import { formatLogUrl, type PostgresLogUrl, redactPassword } from '../log-url.js';
import { isConnectionFailure } from './pg-connection.js';
import {
  damagedError,
  followFailure,
  queryUnavailable,
  transactionUnavailable,
  troubleText,
} from './pg-errors.js';
import { headQuery, type PgHead, type PgNames, parseHead, pgNames } from './postgres-schema.js';

/** Records fetched per round trip by the tail and by a catch-up under the lock. */
export const FETCH_PAGE = 1000;

/** One row of the log table as pg returns it (bigint arrives as a string). */
export interface Row {
  readonly revision: string;
  readonly record: Buffer;
}

/**
 * What every part of one PostgreSQL log shares (the group commit, the tail, the reads, the pool
 * transactions): where the log stands as this node applied it, whether it failed or closed, and the read pool.
 * The parts change these fields directly; this class keeps the rules that apply records in order.
 */
export class PgLogCore {
  readonly names: PgNames;
  readonly listeners = new CommitListeners();
  /** Every record is checked against its checksum whenever it is read: there is no unread history. */
  verified: number;
  closed = false;
  failure: LogWriteError | null = null;
  /** The last failure to reach the database, until a round trip works again (for /readyz). */
  trouble: string | null = null;
  private readonly brokenHooks: ((failure: LogWriteError) => void)[] = [];

  constructor(
    readonly url: PostgresLogUrl,
    readonly pool: Pool,
    /** The newest revision this node applied. */
    public last: number,
    /** Revisions below this one are compacted away. */
    public compactedBefore: number,
    readonly observer: CommitObserver | undefined,
    readonly logger: Logger,
  ) {
    this.names = pgNames(url);
    this.verified = last;
  }

  describe(): string {
    return redactPassword(formatLogUrl(this.url));
  }

  /** Runs `hook` once this node stops following the table (see broken). */
  onBroken(hook: (failure: LogWriteError) => void): void {
    this.brokenHooks.push(hook);
  }

  /** A query on the read pool; a connection that failed or went unanswered is UNAVAILABLE (retry later). */
  async query<R extends pg.QueryResultRow>(
    text: string | pg.QueryConfig,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      if (!isConnectionFailure(err)) throw err;
      throw queryUnavailable(this.describe(), err as Error);
    }
  }

  async fetchHead(): Promise<PgHead> {
    const head = parseHead(
      (await this.query<{ last: string | null; compact: string | null }>(headQuery(this.names))).rows[0],
    );
    // Another node may have compacted: reads below its point must fail here too.
    this.compactedBefore = Math.max(this.compactedBefore, head.compactRevision);
    return head;
  }

  /** UNAVAILABLE for a transaction that failed; until a round trip works again, /readyz says why. */
  unavailableError(err: Error, maybeWritten: boolean): LogUnavailableError {
    this.trouble = troubleText(this.describe(), err);
    return transactionUnavailable(this.trouble, maybeWritten);
  }

  /** Decodes rows fetched by revision and applies those past the applied revision, in order, without a gap. */
  apply(rows: readonly Row[]): void {
    const records: LogRecord[] = [];
    let expected = this.last + 1;
    for (const row of rows) {
      const revision = Number(row.revision);
      if (revision < expected) continue;
      if (revision !== expected) {
        this.broken(
          new Error(
            `the log table skipped from revision ${expected} to ${revision}: records this node had not applied ` +
              'were compacted away; restore this node from a backup or a newer checkpoint',
          ),
        );
        return;
      }
      try {
        records.push(decodeRecord(revision, row.record));
      } catch (err) {
        this.broken(this.damaged(err));
        return;
      }
      expected++;
    }
    this.deliver(records);
  }

  /** Applies records (the next ones after the applied revision) and tells the listeners. */
  deliver(records: readonly LogRecord[]): void {
    // Once broken, the projections stay where they stopped: nothing after a record they missed is applied.
    if (this.failure) return;
    const fresh =
      records[0] && records[0].revision <= this.last
        ? records.filter((r) => r.revision > this.last)
        : records;
    if (fresh.length === 0) return;
    this.last = fresh.at(-1)!.revision;
    this.verified = Math.max(this.verified, this.last);
    const unapplied = this.listeners.notify(fresh, this.describe());
    if (unapplied) this.broken(unapplied);
  }

  /** This node can no longer follow the table: it refuses every write from now on. */
  broken(err: Error): void {
    if (this.failure) return;
    // A listener's failure comes ready-made (see CommitListeners.notify); anything else is a failure to follow.
    this.failure = err instanceof LogWriteError ? err : followFailure(this.describe(), err);
    this.logger.error({ err: this.failure, revision: this.last }, 'stopped following the log table');
    this.observer?.failed(this.failure);
    for (const hook of this.brokenHooks) hook(this.failure);
  }

  decode(revision: number, payload: Uint8Array): LogRecord {
    try {
      return decodeRecord(revision, payload);
    } catch (err) {
      throw this.damaged(err);
    }
  }

  damaged(err: unknown): Error {
    return damagedError(this.describe(), err);
  }
}
