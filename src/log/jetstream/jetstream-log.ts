import { randomBytes } from 'node:crypto';
import type { JetStreamClient, JetStreamManager, NatsConnection, PubAck, StreamInfo } from 'nats';
import pino, { type Logger } from 'pino';
import type { CommitObserver } from '../commit-observer.js';
import type { CommitListener, EventLog, LogBackendStatus, ReadOptions, RecordBuilder } from '../event-log.js';
import { LogClosedError, LogFileError, LogWriteError } from '../event-log.js';
import type { LogEvent, LogRecord, RawRecord } from '../events.js';
import { CommitListeners, checkCompactTarget, checkMarkVerified, checkStartAt } from '../log-rules.js';
import type { Membership } from '../membership.js';
import type { OpenLogOptions } from '../open-log.js';
import { ReadIndex } from '../read-index.js';
import { Appender, type PublishRequest } from './appender.js';
import { InterruptedError, Interruptions } from './interruptions.js';
import { JetStreamMembership } from './members.js';
import { StreamReader } from './reader.js';
import {
  connectLog,
  ensureLogStream,
  firstSequence,
  formatServers,
  logSubject,
  type NatsLogUrl,
} from './stream.js';
import type { TailedRecord } from './tail.js';
import { TailKeeper } from './tail-keeper.js';
import { fillTo, publishVerbatim } from './verbatim.js';

/** Applied records whose message ids are remembered: more than the appends that can be in flight. */
const RECENT_MSG_IDS = 4_096;

/** How long one publish waits for its acknowledgement before it is sent again. */
const PUBLISH_TIMEOUT_MS = 2_000;

/**
 * The log as a NATS JetStream stream that every kvstore node of a cluster appends to and follows: revision =
 * stream sequence, one message per record (the same codec and checksum as SQLite), replication and leader
 * election by JetStream. Records written by any node reach the commit listeners in revision order through
 * the tail; an append resolves once this node has applied its record (read-your-writes).
 */
export class JetStreamEventLog implements EventLog {
  private readonly listeners = new CommitListeners();
  private readonly appender: Appender;
  private readonly reader: StreamReader;
  private readonly index: ReadIndex;
  private readonly subject: string;
  private waiters: { revision: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  private readonly keeper: TailKeeper;
  private last: number;
  private first: number;
  private verified: number;
  private failure: Error | null = null;
  private closed = false;
  private disconnected: string | null = null;
  /** The last failure to reach the stream (a publish or a stream-info that got no answer), until one works. */
  private trouble: string | null = null;

  private constructor(
    private readonly url: NatsLogUrl,
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    info: StreamInfo,
    private readonly observer: CommitObserver | undefined,
    private readonly logger: Logger,
  ) {
    this.subject = logSubject(url.stream);
    this.last = info.state.last_seq;
    this.first = firstSequence(info);
    // Every record is checked against its checksum whenever it is read (and JetStream checksums its own
    // files), so there is no unread history to check in the background.
    this.verified = this.last;
    this.appender = new Appender(
      {
        publish: (request) => this.publish(request),
        applied: () => this.last,
        streamHead: () => this.streamHead(),
        appliedThrough: (revision) => this.appliedThrough(revision),
        acknowledged: (bytes, seconds) => this.observer?.committed(1, bytes, seconds),
        msgIdAt: (revision) => this.recentMsgIds.get(revision),
      },
      { window: 256, timeoutMs: url.timeoutMs, nodeId: randomBytes(6).toString('base64url') },
    );
    this.reader = new StreamReader(
      js,
      jsm,
      url.stream,
      {
        last: () => this.last,
        first: () => this.first,
        compactedTo: (first) => {
          this.first = Math.max(this.first, first);
        },
        closed: () => this.closed,
        name: formatServers(url),
      },
      logger,
    );
    this.index = new ReadIndex(() => this.streamHead());
    this.keeper = new TailKeeper(
      js,
      url.stream,
      { deliver: (batch) => this.delivered(batch), broken: (err) => this.broken(err) },
      {
        next: () => this.last + 1,
        waiting: () => this.appender.inFlight > 0 || this.waiters.length > 0,
        ended: () => this.closed || this.failure !== null,
      },
      logger,
    );
    void this.watchConnection();
    this.watchLeader();
  }

  /** Message ids of the newest applied records, so a refused resend can tell whether it landed after all. */
  private members: JetStreamMembership | null = null;
  private readonly recentMsgIds = new Map<number, string>();
  private readonly interruptions = new Interruptions();

  /**
   * A new stream leader (JetStream's advisory): the tail's consumer may have lived on the old one and
   * appends sent to it may never be answered. Both start over now instead of after their timeouts, so a
   * leader change costs this node little more than JetStream's own election.
   */
  private watchLeader(): void {
    this.nc.subscribe(`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.${this.url.stream}`, {
      callback: (err) => {
        if (err || this.closed || this.failure) return;
        this.logger.info({ stream: this.url.stream, applied: this.last }, 'the log stream has a new leader');
        this.interruptions.fire('the log stream elected a new leader');
        this.appender.resendUnanswered();
        this.keeper.again();
      },
    });
  }

  /** Connects, creates the stream if absent, and reads where it stands. */
  static async open(url: NatsLogUrl, options: OpenLogOptions): Promise<JetStreamEventLog> {
    const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'log' });
    const nc = await connectLog(url, logger, options.natsAuth);
    try {
      const jsm = await nc.jetstreamManager();
      const info = await ensureLogStream(jsm, url, logger);
      return new JetStreamEventLog(url, nc, jsm, nc.jetstream(), info, options.observer, logger);
    } catch (err) {
      await nc.close().catch(() => {});
      if (err instanceof LogFileError) throw err;
      throw new LogFileError(formatServers(url), `cannot open the log stream (${(err as Error).message})`);
    }
  }

  append(events: readonly LogEvent[] | RecordBuilder): Promise<LogRecord> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LogClosedError());
    this.keeper.follow();
    return this.appender.append(events);
  }

  read(fromRevision: number, options?: ReadOptions): AsyncIterable<LogRecord> {
    return this.reader.read(fromRevision, options);
  }

  readRaw(fromRevision: number, options?: ReadOptions): AsyncIterable<RawRecord> {
    return this.reader.readRaw(fromRevision, options);
  }

  readOne(revision: number): Promise<LogRecord | undefined> {
    return this.reader.readOne(revision);
  }

  onCommit(listener: CommitListener): () => void {
    this.keeper.follow();
    return this.listeners.add(listener);
  }

  lastRevision(): number {
    return this.last;
  }

  compactRevision(): number {
    return this.first;
  }

  async compact(revision: number): Promise<void> {
    checkCompactTarget(revision, this.last);
    if (revision <= this.first) return;
    // Readers check compactRevision() first: raise it before the records go.
    this.first = revision;
    await this.jsm.streams.purge(this.url.stream, { seq: revision });
  }

  async startAt(revision: number): Promise<void> {
    checkStartAt(this.describe(), revision, this.last);
    if (this.keeper.following)
      throw new Error(`${this.describe()}: startAt is for a log nobody follows yet (a restore)`);
    // nats-server 2.9 cannot simply be told to continue at a sequence: a purge past the end moves first_seq,
    // but its Nats-Expected-Last-Sequence check keeps counting from the old end (measured on 2.9.10), and a
    // stream's first_seq setting needs 2.10. So the sequences below are filled with empty messages, each
    // conditional like any append, and then purged.
    await fillTo(revision - 1, this.last, (request) => this.publish(request), this.logger);
    await this.jsm.streams.purge(this.url.stream, { seq: revision });
    const info = await this.jsm.streams.info(this.url.stream);
    if (info.state.last_seq !== revision - 1) {
      throw new LogFileError(
        formatServers(this.url),
        `the stream could not be made to continue at revision ${revision} (it ends at ${info.state.last_seq})`,
      );
    }
    this.first = revision;
    this.last = revision - 1;
    this.verified = this.last;
  }

  async appendVerbatim(records: readonly RawRecord[]): Promise<void> {
    if (this.closed) throw new LogClosedError();
    if (this.keeper.following)
      throw new Error(`${this.describe()}: appendVerbatim is for a log nobody follows yet (a restore)`);
    await publishVerbatim(records, this.last, (request) => this.publish(request));
    if (records.length > 0) this.last = records.at(-1)!.revision;
    this.verified = this.last;
  }

  verifiedThrough(): number {
    return Math.min(this.last, Math.max(this.verified, this.first - 1));
  }

  async markVerified(revision: number): Promise<void> {
    checkMarkVerified(revision, this.last);
    this.verified = Math.max(this.verified, revision);
  }

  /** The nodes on this stream (etcd's MemberList), in a KV bucket beside it. */
  membership(): Membership {
    this.members ??= new JetStreamMembership(this.js, this.url.stream, this.url.replicas, this.logger);
    return this.members;
  }

  async storageBytes(): Promise<number> {
    return (await this.jsm.streams.info(this.url.stream)).state.bytes;
  }

  describe(): string {
    return `${formatServers(this.url)} (JetStream, R${this.url.replicas})`;
  }

  readIndex(): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return this.index.next();
  }

  async backendStatus(): Promise<LogBackendStatus> {
    if (this.disconnected) return { headRevision: this.last, unavailable: this.disconnected };
    try {
      const info = await this.jsm.streams.info(this.url.stream);
      const cluster = info.cluster;
      return {
        headRevision: info.state.last_seq,
        leader: cluster?.leader,
        replicas: [
          ...(cluster?.leader ? [{ name: cluster.leader, current: true, lag: 0 }] : []),
          ...(cluster?.replicas ?? []).map((r) => ({ name: r.name, current: r.current, lag: r.lag ?? 0 })),
        ],
      };
    } catch (err) {
      return { headRevision: this.last, unavailable: (err as Error).message };
    }
  }

  /** Why the stream cannot be reached now, or null when it can (for /readyz). */
  unavailable(): string | null {
    return this.failure?.message ?? this.disconnected ?? this.trouble;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Appends in flight get a moment to be acknowledged and applied; what is left is answered UNAVAILABLE.
    const until = Date.now() + 5_000;
    while (this.appender.inFlight > 0 && Date.now() < until && !this.failure) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.appender.fail(new LogClosedError());
    this.keeper.stop();
    for (const w of this.waiters.splice(0)) w.reject(new LogClosedError());
    await this.nc.close().catch(() => {});
  }

  private delivered(batch: readonly TailedRecord[]): void {
    for (const b of batch) this.recentMsgIds.set(b.record.revision, b.msgId);
    if (this.recentMsgIds.size > RECENT_MSG_IDS) {
      const cutoff = batch.at(-1)!.record.revision - RECENT_MSG_IDS;
      for (const revision of this.recentMsgIds.keys()) {
        if (revision > cutoff) break;
        this.recentMsgIds.delete(revision);
      }
    }
    const records = batch.map((b) => b.record);
    this.last = records.at(-1)!.revision;
    const unapplied = this.listeners.notify(records, this.describe());
    if (unapplied) {
      // The projections missed these records: nothing after them may be applied (see broken).
      this.keeper.stop();
      this.broken(unapplied);
      return;
    }
    if (this.waiters.length > 0) {
      const still: typeof this.waiters = [];
      for (const w of this.waiters)
        if (w.revision <= this.last) w.resolve();
        else still.push(w);
      this.waiters = still;
    }
    this.appender.applied();
  }

  private broken(err: Error): void {
    if (this.closed || this.failure) return;
    // A listener's failure comes ready-made (see CommitListeners.notify); anything else is a failure to follow.
    this.failure =
      err instanceof LogWriteError
        ? err
        : new LogWriteError(
            `${this.describe()}: this node stopped following the log (${err.message}); it accepts no more writes until kvstore restarts`,
            err,
          );
    this.logger.error({ err: this.failure, revision: this.last }, 'stopped following the log stream');
    // As the SQLite and PostgreSQL logs do: metrics and /readyz say the log failed, restart kvstore.
    this.observer?.failed(this.failure);
    this.appender.fail(this.failure);
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }

  private appliedThrough(revision: number): Promise<void> {
    if (this.last >= revision) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    this.keeper.follow();
    return new Promise((resolve, reject) => this.waiters.push({ revision, resolve, reject }));
  }

  private async streamHead(): Promise<number> {
    const info = await this.reachable(this.interruptions.race(this.jsm.streams.info(this.url.stream)));
    this.first = Math.max(this.first, firstSequence(info));
    return info.state.last_seq;
  }

  private publish(request: PublishRequest): Promise<PubAck> {
    return this.reachable(
      this.js.publish(this.subject, request.payload, {
        msgID: request.msgId,
        expect: {
          lastSequence: request.lastSequence,
          ...(request.lastMsgId === null ? {} : { lastMsgID: request.lastMsgId }),
        },
        timeout: PUBLISH_TIMEOUT_MS,
      }),
    );
  }

  /** Notes whether the stream answered (an answer that refuses the request counts as reachable). */
  private async reachable<T>(request: Promise<T>): Promise<T> {
    try {
      const answer = await request;
      this.trouble = null;
      return answer;
    } catch (err) {
      const apiError = (err as { api_error?: unknown }).api_error !== undefined;
      if (!(err instanceof InterruptedError))
        this.trouble = apiError ? null : `the log stream does not answer (${(err as Error).message})`;
      throw err;
    }
  }

  /**
   * Follows the connection for /readyz. After a reconnect, requests sent before it may never be answered
   * (measured: a stream-info sent while disconnected waited for its full timeout): the questions in flight
   * are asked again, unanswered appends resent and the tail restarted, so the node serves again at once.
   */
  private async watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') this.disconnected = `disconnected from NATS (${String(s.data)})`;
      else if (s.type === 'reconnect') {
        this.disconnected = null;
        if (this.closed || this.failure) continue;
        this.logger.info({ applied: this.last }, 'reconnected to NATS: resuming the log');
        this.interruptions.fire('reconnected to NATS');
        this.appender.resendUnanswered();
        this.keeper.again();
      }
    }
  }
}
