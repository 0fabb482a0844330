import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Client, ClientBase, Notification, Pool } from 'pg';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { decodeRecord, encodeRecord, RecordFormatError, upgradeRecord, verifyRawRecord } from '../codec.js';
import type { CommitObserver } from '../commit-observer.js';
import type { CommitListener, EventLog, LogBackendStatus, ReadOptions, RecordBuilder } from '../event-log.js';
import {
  DamagedRecordError,
  LogClosedError,
  LogCompactedError,
  LogFileError,
  LogUnavailableError,
  LogWriteError,
} from '../event-log.js';
import type { LogEvent, LogRecord, RawRecord } from '../events.js';
import { CommitListeners, checkCompactTarget, checkMarkVerified, checkStartAt } from '../log-rules.js';
import { formatLogUrl, type PostgresLogUrl, redactPassword } from '../log-url.js';
import type { OpenLogOptions } from '../open-log.js';
import { ReadIndex } from '../read-index.js';
import { ensureSchema, headQuery, type PgHead, type PgNames, parseHead, pgNames } from './postgres-schema.js';

/** Most records in one group commit (one INSERT, one transaction, one WAL flush). */
const MAX_BATCH_RECORDS = 512;
/** Most payload bytes in one group commit; a larger single record still commits alone. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Records fetched per round trip by the tail and by a catch-up under the lock. */
const FETCH_PAGE = 1000;
/** The tail reads by revision this often even when no NOTIFY came (a notification can be lost). */
const POLL_MS = 1_000;
/** Revisions deleted per compaction transaction. */
const COMPACT_SLICE = 20_000;
/** Records per INSERT of a verbatim append (restore). */
const VERBATIM_SLICE = 4_000;
/** How often a following node records its applied revision for status pages, and how long it counts. */
const REPORT_MS = 2_000;
const NODE_GONE_S = 30;
/** Pause before a lost LISTEN connection is opened again. */
const RECONNECT_MS = 250;

interface PendingAppend {
  readonly events: readonly LogEvent[] | RecordBuilder;
  readonly resolve: (record: LogRecord) => void;
  readonly reject: (err: Error) => void;
}

interface Batch {
  readonly records: LogRecord[];
  readonly payloads: Buffer[];
  readonly waiters: PendingAppend[];
  /** Builders that refused to write: answered once the records they were built on are committed. */
  readonly refusals: { readonly pending: PendingAppend; readonly error: Error }[];
  bytes: number;
}

interface Row {
  readonly revision: string;
  readonly record: Buffer;
}

/**
 * The log as one PostgreSQL table `(revision bigint PRIMARY KEY, record bytea)` that every kvstore node of a
 * cluster appends to and follows. Revisions are decided under a transaction-level advisory lock held from
 * reading the head to COMMIT (docs/adr/0004-postgres-log.md): a node takes the lock, applies what other
 * nodes committed since it last looked, builds its queued appends on that state (one group commit), inserts
 * them and commits. So revisions are gap-free and a row is visible before the next revision is handed out.
 * Records of other nodes arrive through the tail: LISTEN/NOTIFY wakes it, a read by revision fetches them
 * (and a poll covers a lost notification). An append resolves once this node has applied its record.
 */
export class PostgresEventLog implements EventLog {
  private readonly listeners = new CommitListeners();
  private readonly queue: PendingAppend[] = [];
  private readonly names: PgNames;
  private readonly index: ReadIndex;
  private committing: Promise<void> | null = null;
  private writer: Client | null = null;
  private listener: Client | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private fetching: Promise<void> | null = null;
  private fetchAgain = false;
  private following = false;
  private vacuuming: Promise<void> | null = null;
  private closed = false;
  private failure: LogWriteError | null = null;
  /** The last failure to reach the database, until a round trip works again (for /readyz). */
  private trouble: string | null = null;
  private lastTimeMs = 0;
  private verified: number;
  /** This node's name in the nodes table: host, process and a random part (two nodes may share a host). */
  private readonly nodeName = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  private lastReport = 0;

  private constructor(
    private readonly url: PostgresLogUrl,
    private readonly pool: Pool,
    private last: number,
    private compactedBefore: number,
    private readonly observer: CommitObserver | undefined,
    private readonly logger: Logger,
  ) {
    this.names = pgNames(url);
    // Every record is checked against its checksum whenever it is read: there is no unread history.
    this.verified = last;
    this.index = new ReadIndex(async () => {
      const head = await this.fetchHead();
      if (head.last > this.last) this.wake();
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
      const client = await pool.connect();
      try {
        await ensureSchema(client, pgNames(url), where);
        const head = parseHead((await client.query(headQuery(pgNames(url)))).rows[0]);
        return new PostgresEventLog(url, pool, head.last, head.compactRevision, options.observer, logger);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => {});
      if (err instanceof LogFileError) throw err;
      throw new LogFileError(where, `cannot open the log table (${(err as Error).message})`);
    }
  }

  append(events: readonly LogEvent[] | RecordBuilder): Promise<LogRecord> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LogClosedError());
    this.follow();
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.committing ??= this.commitLoop();
    });
  }

  onCommit(listener: CommitListener): () => void {
    this.follow();
    return this.listeners.add(listener);
  }

  lastRevision(): number {
    return this.last;
  }

  compactRevision(): number {
    return this.compactedBefore;
  }

  verifiedThrough(): number {
    return Math.min(this.last, Math.max(this.verified, this.compactedBefore - 1));
  }

  async markVerified(revision: number): Promise<void> {
    checkMarkVerified(revision, this.last);
    this.verified = Math.max(this.verified, revision);
  }

  describe(): string {
    return redactPassword(formatLogUrl(this.url));
  }

  async *read(fromRevision: number, options: ReadOptions = {}): AsyncIterable<LogRecord> {
    for await (const raw of this.rows(fromRevision, options)) yield this.decode(raw.revision, raw.payload);
  }

  async *readRaw(fromRevision: number, options: ReadOptions = {}): AsyncIterable<RawRecord> {
    for await (const raw of this.rows(fromRevision, options)) {
      try {
        verifyRawRecord(raw.revision, raw.payload);
      } catch (err) {
        throw this.damaged(err);
      }
      yield raw;
    }
  }

  async readOne(revision: number): Promise<LogRecord | undefined> {
    if (this.closed) throw new LogClosedError();
    if (!Number.isSafeInteger(revision) || revision < 1 || revision > this.last) return undefined;
    const result = await this.query<{ record: Buffer }>(
      `SELECT record FROM ${this.names.table} WHERE revision = $1`,
      [revision],
    );
    const row = result.rows[0];
    return row ? this.decode(revision, row.record) : undefined;
  }

  async compact(revision: number): Promise<void> {
    checkCompactTarget(revision, this.last);
    if (revision <= this.compactedBefore) return;
    const previous = this.compactedBefore;
    // Readers check compactRevision() first: raise it before the rows go.
    this.compactedBefore = revision;
    try {
      let done = previous;
      while (done < revision) {
        const upTo = Math.min(revision, done + COMPACT_SLICE);
        await this.underLock(async (client) => {
          await client.query(`DELETE FROM ${this.names.table} WHERE revision < $1`, [upTo]);
          await client.query(
            `UPDATE ${this.names.meta} SET value = greatest(value, $1) WHERE name = 'compact_revision'`,
            [upTo],
          );
        });
        done = upTo;
      }
    } catch (err) {
      this.compactedBefore = previous;
      throw err;
    }
    // Deleted rows are dead tuples until VACUUM: reclaim them now rather than at autovacuum's pace.
    this.vacuuming ??= this.query(`VACUUM ${this.names.table}`)
      .then(
        () => {},
        (err: unknown) => this.logger.warn({ err }, 'VACUUM after compaction failed'),
      )
      .finally(() => {
        this.vacuuming = null;
      });
  }

  async startAt(revision: number): Promise<void> {
    checkStartAt(this.describe(), revision, this.last);
    await this.underLock(async (client, head) => {
      this.refuseIfMoved(head, 'startAt');
      await client.query(`DELETE FROM ${this.names.table} WHERE revision < $1`, [revision]);
      await client.query(`UPDATE ${this.names.meta} SET value = $1 WHERE name = 'compact_revision'`, [
        revision,
      ]);
    });
    this.compactedBefore = revision;
    this.last = revision - 1;
    this.verified = this.last;
  }

  async appendVerbatim(records: readonly RawRecord[]): Promise<void> {
    if (this.closed) throw new LogClosedError();
    if (records.length === 0) return;
    const stored: Buffer[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const { revision, payload } = records[i]!;
      if (revision !== this.last + 1 + i) {
        throw new Error(
          `${this.describe()}: verbatim append expected revision ${this.last + 1 + i}, got ${revision}`,
        );
      }
      stored[i] = toBuffer(upgradeRecord(revision, payload));
    }
    await this.underLock(async (client, head) => {
      this.refuseIfMoved(head, 'appendVerbatim');
      for (let at = 0; at < records.length; at += VERBATIM_SLICE) {
        const end = Math.min(records.length, at + VERBATIM_SLICE);
        await this.insert(
          client,
          records.slice(at, end).map((r) => r.revision),
          stored.slice(at, end),
        );
      }
    });
    this.last = records.at(-1)!.revision;
    this.verified = this.last;
  }

  async storageBytes(): Promise<number> {
    const result = await this.query<{ bytes: string }>(
      `SELECT pg_total_relation_size('${this.names.table}') + pg_total_relation_size('${this.names.meta}') AS bytes`,
    );
    return Number(result.rows[0]?.bytes ?? 0);
  }

  readIndex(): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LogClosedError());
    this.follow();
    return this.index.next();
  }

  async backendStatus(): Promise<LogBackendStatus> {
    try {
      const head = await this.fetchHead();
      const size = await this.query<{ bytes: string }>(
        'SELECT pg_database_size(current_database()) AS bytes',
      );
      await this.report();
      const nodes = await this.query<{ node: string; applied: string }>(
        `SELECT node, applied FROM ${this.names.nodes} WHERE seen_at > now() - interval '${NODE_GONE_S} seconds' ORDER BY node`,
      );
      return {
        headRevision: head.last,
        leader: `${this.url.host}:${this.url.port}/${this.url.database} (database ${size.rows[0]?.bytes ?? '?'} bytes)`,
        // Every kvstore node that followed the table in the last 30 s, with how far behind the head it was
        // when it last reported (every 2 s); this node's entry is current.
        replicas: nodes.rows.map((n) => {
          const applied = n.node === this.nodeName ? this.last : Number(n.applied);
          return {
            name: n.node === this.nodeName ? `${n.node} (this node)` : n.node,
            current: applied >= head.last,
            lag: Math.max(0, head.last - applied),
          };
        }),
      };
    } catch (err) {
      return { headRevision: this.last, unavailable: (err as Error).message };
    }
  }

  unavailable(): string | null {
    return this.failure?.message ?? this.trouble;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.committing) await this.committing;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    while (this.fetching) await this.fetching.catch(() => {});
    await this.vacuuming;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => {});
    const writer = this.writer;
    this.writer = null;
    await writer?.end().catch(() => {});
    await this.pool.end().catch(() => {});
  }

  // ---- the write side: group commits under the lock ----

  private async commitLoop(): Promise<void> {
    // Let appends issued in the same turn of the event loop join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0 && !this.failure) await this.commitOnce();
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
      this.unreachable(err as Error, this.queue.splice(0, MAX_BATCH_RECORDS));
      return;
    }
    let batch: Batch | null = null;
    let sentCommit = false;
    try {
      const [, , headResult] = (await client.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${this.names.lockKey}); ${headQuery(this.names)}`,
      )) as unknown as pg.QueryResult<{ last: string | null; compact: string | null }>[];
      const head = parseHead(headResult!.rows[0]);
      await this.catchUpLocked(client, head);
      batch = this.takeBatch(head.last);
      if (batch.records.length === 0) {
        await client.query('ROLLBACK');
      } else {
        const last = batch.records.at(-1)!.revision;
        await this.insert(
          client,
          batch.records.map((r) => r.revision),
          batch.payloads,
          String(last),
        );
        sentCommit = true;
        await client.query('COMMIT');
      }
      this.trouble = null;
    } catch (err) {
      this.dropWriter(client);
      // Nothing built yet (the writer connection was found broken, e.g. killed while idle): one more try on
      // a new connection costs nothing and spares these appends an UNAVAILABLE.
      if (!batch && retry && !(err instanceof LogWriteError)) return this.commitOnce(false);
      const pending = batch ? [...batch.waiters, ...batch.refusals.map((r) => r.pending)] : [];
      if (!batch) pending.push(...this.queue.splice(0, MAX_BATCH_RECORDS));
      this.unreachable(err as Error, pending, sentCommit);
      return;
    }
    if (batch.records.length > 0) {
      this.observer?.committed(batch.records.length, batch.bytes, (performance.now() - started) / 1000);
      this.deliver(batch.records);
    }
    for (let i = 0; i < batch.waiters.length; i++) batch.waiters[i]!.resolve(batch.records[i]!);
    for (const refusal of batch.refusals) refusal.pending.reject(refusal.error);
  }

  /** Under the lock: applies every record other nodes committed that this node has not applied yet. */
  private async catchUpLocked(client: ClientBase, head: PgHead): Promise<void> {
    if (head.last < this.last) {
      this.broken(
        new Error(
          `the log table ends at revision ${head.last} but this node has applied ${this.last}: ` +
            'it was emptied or replaced under this node; restart it (it rebuilds from the table)',
        ),
      );
      throw this.failure!;
    }
    while (this.last < head.last) {
      const result = await client.query<Row>(
        `SELECT revision, record FROM ${this.names.table} WHERE revision > $1 AND revision <= $2 ORDER BY revision LIMIT ${FETCH_PAGE}`,
        [this.last, head.last],
      );
      if (result.rows.length === 0) {
        // The head says there is more, the table holds none of it: compacted (or a restore's startAt).
        this.broken(
          new Error(
            `the log table holds no records after revision ${this.last} up to its head ${head.last}: records ` +
              'this node had not applied were compacted away; restore this node from a backup or a newer checkpoint',
          ),
        );
      } else this.apply(result.rows);
      if (this.failure) throw this.failure;
    }
  }

  /** Takes appends off the queue in order, builds their events at the revisions after `head`. */
  private takeBatch(head: number): Batch {
    const batch: Batch = { records: [], payloads: [], waiters: [], refusals: [], bytes: 0 };
    const timeMs = Math.max(Date.now(), this.lastTimeMs);
    this.lastTimeMs = timeMs;
    let revision = head;
    while (
      this.queue.length > 0 &&
      batch.records.length < MAX_BATCH_RECORDS &&
      batch.bytes < MAX_BATCH_BYTES
    ) {
      const pending = this.queue.shift()!;
      let events: readonly LogEvent[];
      try {
        events = typeof pending.events === 'function' ? pending.events(revision + 1, timeMs) : pending.events;
      } catch (err) {
        batch.refusals.push({ pending, error: err as Error });
        continue;
      }
      revision++;
      const payload = encodeRecord(revision, timeMs, events);
      batch.records.push({ revision, timeMs, events });
      batch.payloads.push(payload);
      batch.waiters.push(pending);
      batch.bytes += payload.length;
    }
    return batch;
  }

  /** One INSERT of many rows (and, with `notify`, the NOTIFY that wakes the other nodes' tails). */
  private async insert(
    client: ClientBase,
    revisions: readonly number[],
    payloads: readonly Buffer[],
    notify?: string,
  ): Promise<void> {
    await client.query({
      name: `kvstore-insert-${this.names.table}`,
      text:
        `WITH ins AS (INSERT INTO ${this.names.table} (revision, record) ` +
        'SELECT * FROM unnest($1::bigint[], $2::bytea[])) SELECT pg_notify($3, $4)',
      values: [revisions, payloads, this.names.channel, notify ?? String(revisions.at(-1))],
    });
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
    this.trouble = `PostgreSQL ${this.describe()}: ${err.message}`;
    this.logger.warn({ err }, 'a group commit to PostgreSQL failed');
    const error = new LogUnavailableError(
      `${this.trouble}; ${maybeWritten ? 'the write may or may not have been written: read the key before retrying a conditional write' : 'nothing was written'}`,
    );
    for (const p of pending) p.reject(error);
  }

  private async writerClient(): Promise<Client> {
    if (this.writer) return this.writer;
    const client = new pg.Client(connectionConfig(this.url));
    client.on('error', (err) => {
      this.logger.warn({ err }, 'the PostgreSQL writer connection broke');
      this.dropWriter(client);
    });
    await client.connect();
    this.writer = client;
    return client;
  }

  private dropWriter(client: Client): void {
    if (this.writer === client) this.writer = null;
    void client.end().catch(() => {});
  }

  /** Runs `task` in a transaction holding the log's lock, with the head as seen under it. */
  private async underLock(task: (client: ClientBase, head: PgHead) => Promise<void>): Promise<void> {
    if (this.closed) throw new LogClosedError();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        await client.query(`SELECT pg_advisory_xact_lock(${this.names.lockKey})`);
        const head = parseHead((await client.query(headQuery(this.names))).rows[0]);
        await task(client, head);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    } finally {
      client.release();
    }
  }

  /** startAt and appendVerbatim are for a log only the restore writes: refuse if anyone else wrote. */
  private refuseIfMoved(head: PgHead, what: string): void {
    if (head.last !== this.last) {
      throw new Error(
        `${this.describe()}: ${what} expected the log to end at revision ${this.last}, but it ends at ` +
          `${head.last} (another node writes to it)`,
      );
    }
  }

  // ---- the read side: the tail ----

  /** Starts following the table: LISTEN for wake-ups, and a poll in case one is lost. */
  private follow(): void {
    if (this.following || this.closed) return;
    this.following = true;
    void this.listen();
    this.pollTimer = setInterval(() => {
      this.wake();
      if (Date.now() - this.lastReport >= REPORT_MS) void this.report().catch(() => {});
    }, POLL_MS);
    this.pollTimer.unref();
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(connectionConfig(this.url));
    const lost = (err?: Error) => {
      if (this.listener !== client) return;
      this.listener = null;
      void client.end().catch(() => {});
      if (this.closed) return;
      this.logger.warn({ err }, 'the PostgreSQL LISTEN connection broke; opening it again');
      setTimeout(() => void this.listen(), RECONNECT_MS).unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (_msg: Notification) => this.wake());
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${this.names.channel}`);
      // What was committed before LISTEN took effect is fetched by revision now.
      this.wake();
    } catch (err) {
      lost(err as Error);
    }
  }

  /** Fetches what was committed past the applied revision (once at a time; a wake-up meanwhile runs it again). */
  private wake(): void {
    if (this.closed || this.failure) return;
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    this.fetching = this.fetchNew()
      .catch((err: unknown) => {
        this.trouble = `PostgreSQL ${this.describe()}: ${(err as Error).message}`;
      })
      .finally(() => {
        this.fetching = null;
        if (this.fetchAgain) {
          this.fetchAgain = false;
          this.wake();
        }
      });
  }

  private async fetchNew(): Promise<void> {
    for (;;) {
      if (this.closed || this.failure) return;
      const result = await this.query<Row>(
        `SELECT revision, record FROM ${this.names.table} WHERE revision > $1 ORDER BY revision LIMIT ${FETCH_PAGE}`,
        [this.last],
      );
      this.trouble = null;
      this.apply(result.rows);
      if (result.rows.length < FETCH_PAGE) return;
    }
  }

  /** Decodes rows fetched by revision and applies those past the applied revision, in order, without a gap. */
  private apply(rows: readonly Row[]): void {
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
  private deliver(records: readonly LogRecord[]): void {
    const fresh =
      records[0] && records[0].revision <= this.last
        ? records.filter((r) => r.revision > this.last)
        : records;
    if (fresh.length === 0) return;
    this.last = fresh.at(-1)!.revision;
    this.verified = Math.max(this.verified, this.last);
    this.listeners.notify(fresh);
  }

  private broken(err: Error): void {
    if (this.failure) return;
    this.failure = new LogWriteError(
      `${this.describe()}: this node stopped following the log (${err.message}); it accepts no more writes until kvstore restarts`,
      err,
    );
    this.logger.error({ err }, 'stopped following the log table');
    this.observer?.failed(this.failure);
    for (const p of this.queue.splice(0)) p.reject(this.failure);
  }

  /** Records this node's applied revision in the nodes table (status pages show each node's lag). */
  private async report(): Promise<void> {
    if (this.closed) return;
    this.lastReport = Date.now();
    await this.query(
      `INSERT INTO ${this.names.nodes} (node, applied, seen_at) VALUES ($1, $2, now()) ` +
        'ON CONFLICT (node) DO UPDATE SET applied = excluded.applied, seen_at = excluded.seen_at',
      [this.nodeName, this.last],
    );
    // Nodes gone for a day are forgotten.
    if (Math.random() < 0.01)
      await this.query(`DELETE FROM ${this.names.nodes} WHERE seen_at < now() - interval '1 day'`);
  }

  private async fetchHead(): Promise<PgHead> {
    const head = parseHead(
      (await this.query<{ last: string | null; compact: string | null }>(headQuery(this.names))).rows[0],
    );
    // Another node may have compacted: reads below its point must fail here too.
    this.compactedBefore = Math.max(this.compactedBefore, head.compactRevision);
    return head;
  }

  // ---- reads ----

  private async *rows(fromRevision: number, options: ReadOptions): AsyncIterable<RawRecord> {
    if (this.closed) throw new LogClosedError();
    const pageSize = options.pageSize ?? 1000;
    let next = Math.max(fromRevision, 1);
    for (;;) {
      const last = this.last;
      const upTo = Math.min(options.toRevision ?? last, last);
      if (next > upTo) return;
      if (next < this.compactedBefore) throw new LogCompactedError(next, this.compactedBefore);
      const result = await this.query<Row>(
        `SELECT revision, record FROM ${this.names.table} WHERE revision >= $1 AND revision <= $2 ORDER BY revision LIMIT $3`,
        [next, upTo, pageSize],
      );
      // Revisions are gap-free above the compaction point: a missing first row was compacted meanwhile.
      if (result.rows.length === 0 || Number(result.rows[0]!.revision) !== next) {
        await this.fetchHead().catch(() => {});
        throw new LogCompactedError(next, Math.max(this.compactedBefore, next + 1));
      }
      for (const row of result.rows) yield { revision: Number(row.revision), payload: row.record };
      next = Number(result.rows.at(-1)!.revision) + 1;
    }
  }

  private decode(revision: number, payload: Uint8Array): LogRecord {
    try {
      return decodeRecord(revision, payload);
    } catch (err) {
      throw this.damaged(err);
    }
  }

  private damaged(err: unknown): Error {
    return err instanceof RecordFormatError
      ? new DamagedRecordError(this.describe(), err.revision, err)
      : (err as Error);
  }

  private query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }
}

function connectionConfig(url: PostgresLogUrl): pg.ClientConfig {
  return {
    host: url.host,
    port: url.port,
    user: url.user,
    database: url.database,
    ...(url.password === null ? {} : { password: url.password }),
    application_name: 'kvstore',
    // A write waits this long for the log's lock before UNAVAILABLE; a session idle inside a transaction
    // this long (a frozen node holding the lock) is ended by the server, which releases the lock.
    lock_timeout: url.timeoutMs,
    idle_in_transaction_session_timeout: url.timeoutMs,
  };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
