import type { ClientBase } from 'pg';
import { upgradeRecord } from '../codec.js';
import { LogClosedError } from '../event-log.js';
import type { RawRecord } from '../events.js';
import { checkCompactTarget, checkStartAt } from '../log-rules.js';
import { isConnectionFailure, longStatement, withPoolClient } from './pg-connection.js';
import { insertRecords } from './pg-group-commit.js';
import type { PgLogCore } from './pg-log-core.js';
import { headQuery, type PgHead, parseHead } from './postgres-schema.js';

/** Revisions deleted per compaction transaction. */
const COMPACT_SLICE = 20_000;
/** Records per INSERT of a verbatim append (restore). */
const VERBATIM_SLICE = 4_000;

/**
 * The writes that run as transactions on the read pool, each holding the log's lock: compaction, and a
 * restore's startAt and verbatim appends. They leave the group commit's writer connection alone.
 */
export class PgMaintenance {
  private vacuuming: Promise<void> | null = null;

  constructor(private readonly core: PgLogCore) {}

  async compact(revision: number): Promise<void> {
    const core = this.core;
    checkCompactTarget(revision, core.last);
    if (revision <= core.compactedBefore) return;
    const previous = core.compactedBefore;
    // Readers check compactRevision() first: raise it before the rows go.
    core.compactedBefore = revision;
    try {
      let done = previous;
      while (done < revision) {
        const upTo = Math.min(revision, done + COMPACT_SLICE);
        await this.underLock(async (client) => {
          await client.query(`DELETE FROM ${core.names.table} WHERE revision < $1`, [upTo]);
          await client.query(
            `UPDATE ${core.names.meta} SET value = greatest(value, $1) WHERE name = 'compact_revision'`,
            [upTo],
          );
        });
        done = upTo;
      }
    } catch (err) {
      core.compactedBefore = previous;
      throw err;
    }
    // Deleted rows are dead tuples until VACUUM: reclaim them now rather than at autovacuum's pace.
    this.vacuuming ??= core
      .query(longStatement(`VACUUM ${core.names.table}`))
      .then(
        () => {},
        (err: unknown) => core.logger.warn({ err }, 'VACUUM after compaction failed'),
      )
      .finally(() => {
        this.vacuuming = null;
      });
  }

  /** Waits for a VACUUM under way (for the close). */
  async vacuumed(): Promise<void> {
    await this.vacuuming;
  }

  async startAt(revision: number): Promise<void> {
    const core = this.core;
    checkStartAt(core.describe(), revision, core.last);
    await this.underLock(async (client, head) => {
      this.refuseIfMoved(head, 'startAt');
      // A restore empties a table that may be large: this DELETE gets the long statements' bound.
      await client.query(longStatement(`DELETE FROM ${core.names.table} WHERE revision < $1`, [revision]));
      await client.query(`UPDATE ${core.names.meta} SET value = $1 WHERE name = 'compact_revision'`, [
        revision,
      ]);
    });
    core.compactedBefore = revision;
    core.last = revision - 1;
    core.verified = core.last;
  }

  async appendVerbatim(records: readonly RawRecord[]): Promise<void> {
    const core = this.core;
    if (core.closed) throw new LogClosedError();
    if (records.length === 0) return;
    const stored: Buffer[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const { revision, payload } = records[i]!;
      if (revision !== core.last + 1 + i) {
        throw new Error(
          `${core.describe()}: verbatim append expected revision ${core.last + 1 + i}, got ${revision}`,
        );
      }
      stored[i] = toBuffer(upgradeRecord(revision, payload));
    }
    await this.underLock(async (client, head) => {
      this.refuseIfMoved(head, 'appendVerbatim');
      for (let at = 0; at < records.length; at += VERBATIM_SLICE) {
        const end = Math.min(records.length, at + VERBATIM_SLICE);
        await insertRecords(
          client,
          core.names,
          records.slice(at, end).map((r) => r.revision),
          stored.slice(at, end),
        );
      }
    });
    core.last = records.at(-1)!.revision;
    core.verified = core.last;
  }

  /** Runs `task` in a transaction holding the log's lock, with the head as seen under it. */
  private async underLock(task: (client: ClientBase, head: PgHead) => Promise<void>): Promise<void> {
    const core = this.core;
    if (core.closed) throw new LogClosedError();
    let sentCommit = false;
    try {
      await withPoolClient(core.pool, async (client) => {
        await client.query('BEGIN');
        try {
          await client.query(`SELECT pg_advisory_xact_lock(${core.names.lockKey})`);
          const head = parseHead((await client.query(headQuery(core.names))).rows[0]);
          await task(client, head);
          sentCommit = true;
          await client.query('COMMIT');
        } catch (err) {
          // A broken or unanswered connection is discarded, and the server rolls back as its session ends:
          // a ROLLBACK there would only wait out another deadline.
          if (!isConnectionFailure(err)) await client.query('ROLLBACK').catch(() => {});
          throw err;
        }
      });
    } catch (err) {
      if (!isConnectionFailure(err)) throw err;
      throw core.unavailableError(err as Error, sentCommit);
    }
  }

  /** startAt and appendVerbatim are for a log only the restore writes: refuse if anyone else wrote. */
  private refuseIfMoved(head: PgHead, what: string): void {
    if (head.last !== this.core.last) {
      throw new Error(
        `${this.core.describe()}: ${what} expected the log to end at revision ${this.core.last}, but it ends at ` +
          `${head.last} (another node writes to it)`,
      );
    }
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
