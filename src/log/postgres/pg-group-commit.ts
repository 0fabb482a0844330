import type { Client, ClientBase } from 'pg';
import pg from 'pg';
import { type AppendBatch, type BatchLimits, pendingOf, takeBatch } from '../append-batch.js';
import { LogWriteError, type PendingAppend, type RecordBuilder } from '../event-log.js';
import type { LogEvent, LogRecord } from '../events.js';
import {
  answerDeadlineMs,
  connectionConfig,
  endClient,
  isConnectionFailure,
  isUnanswered,
} from './pg-connection.js';
import { FETCH_PAGE, type PgLogCore, type Row } from './pg-log-core.js';
import { headQuery, type PgHead, type PgNames, parseHead } from './postgres-schema.js';

/** One group commit: one INSERT, one transaction, one WAL flush (a larger single record still commits alone). */
const LIMITS: BatchLimits = { maxRecords: 512, maxBytes: 16 * 1024 * 1024 };

/** One INSERT of many rows (and, with `notify`, the NOTIFY that wakes the other nodes' tails). */
export async function insertRecords(
  client: ClientBase,
  names: PgNames,
  revisions: readonly number[],
  payloads: readonly Buffer[],
  notify?: string,
): Promise<void> {
  await client.query({
    name: `kvstore-insert-${names.table}`,
    text:
      `WITH ins AS (INSERT INTO ${names.table} (revision, record) ` +
      'SELECT * FROM unnest($1::bigint[], $2::bytea[])) SELECT pg_notify($3, $4)',
    values: [revisions, payloads, names.channel, notify ?? String(revisions.at(-1))],
  });
}

/**
 * The write side of a PostgreSQL log: appends queue up and go in group commits on the writer connection, each
 * one transaction holding the log's lock (docs/adr/0004-postgres-log.md).
 */
export class PgGroupCommit {
  private readonly queue: PendingAppend[] = [];
  private committing: Promise<void> | null = null;
  private writer: Client | null = null;
  private lastTimeMs = 0;

  constructor(private readonly core: PgLogCore) {
    core.onBroken((failure) => {
      for (const p of this.queue.splice(0)) p.reject(failure);
    });
  }

  /** Queues an append; it resolves once this node has applied its record. */
  append(events: readonly LogEvent[] | RecordBuilder): Promise<LogRecord> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.committing ??= this.commitLoop();
    });
  }

  /** Waits until no group commit runs (the log is closed: no new one starts). */
  async idle(): Promise<void> {
    while (this.committing) await this.committing;
  }

  /** Hands over the writer connection for the close to end it. */
  detach(): Client | null {
    const writer = this.writer;
    this.writer = null;
    return writer;
  }

  private async commitLoop(): Promise<void> {
    // Let appends issued in the same turn of the event loop join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0 && !this.core.failure) await this.commitOnce();
    } finally {
      this.committing = null;
    }
  }

  /** One group commit: lock, catch up, build, insert, notify, commit, then apply and answer. */
  private async commitOnce(retry = true): Promise<void> {
    const started = performance.now();
    let client: Client;
    try {
      client = await this.writerClient();
    } catch (err) {
      this.unreachable(err as Error, this.queue.splice(0, LIMITS.maxRecords));
      return;
    }
    let batch: AppendBatch | null = null;
    let sentCommit = false;
    try {
      const names = this.core.names;
      const [, , headResult] = (await client.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${names.lockKey}); ${headQuery(names)}`,
      )) as unknown as pg.QueryResult<{ last: string | null; compact: string | null }>[];
      const head = parseHead(headResult!.rows[0]);
      await this.catchUpLocked(client, head);
      batch = this.takeBatch(head.last);
      if (batch.records.length === 0) {
        await client.query('ROLLBACK');
      } else {
        const last = batch.records.at(-1)!.revision;
        const revisions = batch.records.map((r) => r.revision);
        await insertRecords(client, names, revisions, batch.payloads, String(last));
        sentCommit = true;
        await client.query('COMMIT');
      }
      this.core.trouble = null;
    } catch (err) {
      this.dropWriter(client);
      // Nothing built yet and the writer connection was found broken (e.g. killed while idle): one more try
      // on a new connection costs nothing and spares these appends an UNAVAILABLE. Not after a deadline
      // expired (the server is not answering: a second wait would only double the caller's) nor after
      // the server refused the transaction (a lock timeout: the lock is busy).
      if (!batch && retry && isConnectionFailure(err) && !isUnanswered(err)) return this.commitOnce(false);
      const pending = batch ? pendingOf(batch) : [];
      if (!batch) pending.push(...this.queue.splice(0, LIMITS.maxRecords));
      this.unreachable(err as Error, pending, sentCommit);
      return;
    }
    this.settle(batch, started);
  }

  /** A committed batch: applied here, then each append answered. */
  private settle(batch: AppendBatch, started: number): void {
    if (batch.records.length > 0) {
      this.core.observer?.committed(batch.records.length, batch.bytes, (performance.now() - started) / 1000);
      this.core.deliver(batch.records);
    }
    // Committed but not applied here (a listener threw, or the tail broke first): answered with the failure.
    const unapplied = this.core.failure;
    for (let i = 0; i < batch.waiters.length; i++)
      if (unapplied) batch.waiters[i]!.reject(unapplied);
      else batch.waiters[i]!.resolve(batch.records[i]!);
    for (const refusal of batch.refusals) refusal.pending.reject(refusal.error);
  }

  /** Under the lock: applies every record other nodes committed that this node has not applied yet. */
  private async catchUpLocked(client: ClientBase, head: PgHead): Promise<void> {
    const core = this.core;
    if (head.last < core.last) {
      core.broken(
        new Error(
          `the log table ends at revision ${head.last} but this node has applied ${core.last}: ` +
            'it was emptied or replaced under this node; restart it (it rebuilds from the table)',
        ),
      );
      throw core.failure!;
    }
    while (core.last < head.last) {
      const result = await client.query<Row>(
        `SELECT revision, record FROM ${core.names.table} WHERE revision > $1 AND revision <= $2 ORDER BY revision LIMIT ${FETCH_PAGE}`,
        [core.last, head.last],
      );
      if (result.rows.length === 0) {
        // The head says there is more, the table holds none of it: compacted (or a restore's startAt).
        core.broken(
          new Error(
            `the log table holds no records after revision ${core.last} up to its head ${head.last}: records ` +
              'this node had not applied were compacted away; restore this node from a backup or a newer checkpoint',
          ),
        );
      } else core.apply(result.rows);
      if (core.failure) throw core.failure;
    }
  }

  /** Takes appends off the queue in order, builds their events at the revisions after `head`. */
  private takeBatch(head: number): AppendBatch {
    const timeMs = Math.max(Date.now(), this.lastTimeMs);
    this.lastTimeMs = timeMs;
    return takeBatch(this.queue, head, timeMs, LIMITS);
  }

  /**
   * The database could not be reached or refused the transaction: these appends were not acknowledged.
   * When the COMMIT was sent and its answer lost, they may be written (the tail will show them).
   */
  private unreachable(err: Error, pending: readonly PendingAppend[], maybeWritten = false): void {
    if (err instanceof LogWriteError) {
      for (const p of pending) p.reject(err);
      return;
    }
    this.core.logger.warn({ err }, 'a group commit to PostgreSQL failed');
    const error = this.core.unavailableError(err, maybeWritten);
    for (const p of pending) p.reject(error);
  }

  private async writerClient(): Promise<Client> {
    if (this.writer) return this.writer;
    const client = new pg.Client(connectionConfig(this.core.url));
    client.on('error', (err) => {
      this.core.logger.warn({ err }, 'the PostgreSQL writer connection broke');
      this.dropWriter(client);
    });
    // A connection that ended is never used again, whether or not pg reported an error for it.
    client.on('end', () => this.dropWriter(client));
    try {
      await client.connect();
    } catch (err) {
      void endClient(client, answerDeadlineMs(this.core.url));
      throw err;
    }
    this.writer = client;
    return client;
  }

  private dropWriter(client: Client): void {
    if (this.writer !== client) return;
    this.writer = null;
    // Cut at once if it does not close by itself: an append must not wait on a connection it gave up.
    void endClient(client, answerDeadlineMs(this.core.url));
  }
}
