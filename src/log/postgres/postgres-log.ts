import pg from 'pg';
import pino, { type Logger } from 'pino';
import type { CommitObserver } from '../commit-observer.js';
import type { CommitListener, EventLog, LogBackendStatus, ReadOptions, RecordBuilder } from '../event-log.js';
import { LogClosedError, LogFileError } from '../event-log.js';
import type { LogEvent, LogRecord, RawRecord } from '../events.js';
import { checkMarkVerified } from '../log-rules.js';
import { formatLogUrl, type PostgresLogUrl, redactPassword } from '../log-url.js';
import type { Membership } from '../membership.js';
import type { OpenLogOptions } from '../open-log.js';
import { ReadIndex } from '../read-index.js';
import { PgMembership } from './members.js';
import { answerDeadlineMs, connectionConfig, endClient, endPool, withPoolClient } from './pg-connection.js';
import { PgGroupCommit } from './pg-group-commit.js';
import { PgLogCore } from './pg-log-core.js';
import { PgMaintenance } from './pg-maintenance.js';
import { readOneRecord, readRawRecords, readRecords } from './pg-read.js';
import { PgTail } from './pg-tail.js';
import { ensureSchema, headQuery, parseHead, pgNames } from './postgres-schema.js';

/**
 * The log as one PostgreSQL table `(revision bigint PRIMARY KEY, record bytea)` that every kvstore node of a
 * cluster appends to and follows. Revisions are decided under a transaction-level advisory lock held from
 * reading the head to COMMIT (docs/adr/0004-postgres-log.md): a node takes the lock, applies what other
 * nodes committed since it last looked, builds its queued appends on that state (one group commit), inserts
 * them and commits. So revisions are gap-free and a row is visible before the next revision is handed out.
 * Records of other nodes arrive through the tail: LISTEN/NOTIFY wakes it, a read by revision fetches them
 * (and a poll covers a lost notification). An append resolves once this node has applied its record.
 *
 * The parts, sharing one {@link PgLogCore}: the group commit (pg-group-commit.ts), the tail (pg-tail.ts),
 * the reads (pg-read.ts) and the lock-holding pool transactions (pg-maintenance.ts).
 */
export class PostgresEventLog implements EventLog {
  private readonly core: PgLogCore;
  private readonly writes: PgGroupCommit;
  private readonly tail: PgTail;
  private readonly maintenance: PgMaintenance;
  private readonly index: ReadIndex;
  private members: PgMembership | null = null;

  private constructor(
    url: PostgresLogUrl,
    pool: pg.Pool,
    last: number,
    compactedBefore: number,
    observer: CommitObserver | undefined,
    logger: Logger,
  ) {
    this.core = new PgLogCore(url, pool, last, compactedBefore, observer, logger);
    this.writes = new PgGroupCommit(this.core);
    this.tail = new PgTail(this.core);
    this.maintenance = new PgMaintenance(this.core);
    this.index = new ReadIndex(async () => {
      const head = await this.core.fetchHead();
      if (head.last > this.core.last) this.tail.wake();
      return head.last;
    });
  }

  /** Connects, creates the tables if absent, and reads where the log stands. */
  static async open(url: PostgresLogUrl, options: OpenLogOptions): Promise<PostgresEventLog> {
    const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'log' });
    const where = redactPassword(formatLogUrl(url));
    const pool = new pg.Pool({ ...connectionConfig(url), max: 4, idleTimeoutMillis: 30_000 });
    // An idle pooled connection that breaks is dropped by the pool; the next query opens another.
    pool.on('error', (err) => logger.warn({ err }, 'a PostgreSQL connection of the read pool broke'));
    try {
      return await withPoolClient(pool, async (client) => {
        await ensureSchema(client, pgNames(url), where);
        const head = parseHead((await client.query(headQuery(pgNames(url)))).rows[0]);
        return new PostgresEventLog(url, pool, head.last, head.compactRevision, options.observer, logger);
      });
    } catch (err) {
      await endPool(pool, answerDeadlineMs(url));
      if (err instanceof LogFileError) throw err;
      throw new LogFileError(where, `cannot open the log table (${(err as Error).message})`);
    }
  }

  append(events: readonly LogEvent[] | RecordBuilder): Promise<LogRecord> {
    if (this.core.failure) return Promise.reject(this.core.failure);
    if (this.core.closed) return Promise.reject(new LogClosedError());
    this.tail.follow();
    return this.writes.append(events);
  }

  onCommit(listener: CommitListener): () => void {
    this.tail.follow();
    return this.core.listeners.add(listener);
  }

  lastRevision(): number {
    return this.core.last;
  }

  compactRevision(): number {
    return this.core.compactedBefore;
  }

  verifiedThrough(): number {
    const core = this.core;
    return Math.min(core.last, Math.max(core.verified, core.compactedBefore - 1));
  }

  async markVerified(revision: number): Promise<void> {
    checkMarkVerified(revision, this.core.last);
    this.core.verified = Math.max(this.core.verified, revision);
  }

  describe(): string {
    return this.core.describe();
  }

  read(fromRevision: number, options: ReadOptions = {}): AsyncIterable<LogRecord> {
    return readRecords(this.core, fromRevision, options);
  }

  readRaw(fromRevision: number, options: ReadOptions = {}): AsyncIterable<RawRecord> {
    return readRawRecords(this.core, fromRevision, options);
  }

  readOne(revision: number): Promise<LogRecord | undefined> {
    return readOneRecord(this.core, revision);
  }

  compact(revision: number): Promise<void> {
    return this.maintenance.compact(revision);
  }

  startAt(revision: number): Promise<void> {
    return this.maintenance.startAt(revision);
  }

  appendVerbatim(records: readonly RawRecord[]): Promise<void> {
    return this.maintenance.appendVerbatim(records);
  }

  async storageBytes(): Promise<number> {
    const names = this.core.names;
    const result = await this.core.query<{ bytes: string }>(
      `SELECT pg_total_relation_size('${names.table}') + pg_total_relation_size('${names.meta}') AS bytes`,
    );
    return Number(result.rows[0]?.bytes ?? 0);
  }

  readIndex(): Promise<number> {
    if (this.core.failure) return Promise.reject(this.core.failure);
    if (this.core.closed) return Promise.reject(new LogClosedError());
    this.tail.follow();
    return this.index.next();
  }

  /** The nodes on this table (etcd's MemberList), in `<table>_members`. */
  membership(): Membership {
    this.members ??= new PgMembership(
      (text, values) => this.core.query<{ entry: string }>(text, values),
      this.core.names.table,
      this.core.logger,
    );
    return this.members;
  }

  async backendStatus(): Promise<LogBackendStatus> {
    const url = this.core.url;
    try {
      const head = await this.core.fetchHead();
      const size = await this.core.query<{ bytes: string }>(
        'SELECT pg_database_size(current_database()) AS bytes',
      );
      return {
        headRevision: head.last,
        leader: `${url.host}:${url.port}/${url.database} (database ${size.rows[0]?.bytes ?? '?'} bytes)`,
        replicas: await this.tail.replicas(head.last),
      };
    } catch (err) {
      return { headRevision: this.core.last, unavailable: (err as Error).message };
    }
  }

  unavailable(): string | null {
    return this.core.failure?.message ?? this.core.trouble;
  }

  async close(): Promise<void> {
    if (this.core.closed) return;
    this.core.closed = true;
    await this.writes.idle();
    await this.tail.stop();
    await this.maintenance.vacuumed();
    // Together, each bounded: a server that stopped answering never acknowledges the goodbye.
    const deadline = answerDeadlineMs(this.core.url);
    const clients = [this.tail.detach(), this.writes.detach()];
    await Promise.all([
      ...clients.map((client) => (client ? endClient(client, deadline) : null)),
      endPool(this.core.pool, deadline),
    ]);
  }
}
