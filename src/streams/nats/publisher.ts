import {
  type ConnectionOptions,
  headers,
  type JetStreamClient,
  type JetStreamManager,
  type MsgHdrs,
  type NatsConnection,
  type PubAck,
  StorageType,
} from 'nats';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { LogEvent, LogRecord } from '../../log/events.js';
import { traceHooks } from '../../observability/trace-hooks.js';
import type { WatchSource } from '../watch-source.js';
import { Alarm } from './alarm.js';
import { type LinkState, NatsLink, settleWithin } from './connection.js';
import { type PublishCursor, readCursor, writeCursor } from './cursor-file.js';
import { keySubject } from './subjects.js';

/** Where and how to publish. */
export interface NatsPublisherOptions {
  /** Comma-separated server URLs. */
  readonly servers: string;
  /** Credentials and TLS added to the connection (see NatsLinkOptions.auth). */
  readonly auth?: Partial<ConnectionOptions>;
  /** JetStream stream name; empty = core NATS subjects (at-most-once to whoever listens). */
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly cursorPath: string;
  /** JetStream publishes awaiting their ack at once. */
  readonly window?: number;
  /** Replicas of the stream when kvstore creates it (a cluster's events stream as safe as its log): 1 by default. */
  readonly replicas?: number;
}

/** The publisher's state for status pages, metrics and /readyz. */
export interface PublisherStats {
  /** `connecting` until the first connection, `disconnected` while reconnecting after one. */
  readonly state: LinkState;
  /** Last revision published completely. */
  readonly publishedRevision: number;
  /** Revisions committed but not yet published. */
  readonly lagRevisions: number;
  /** Why it is not connected (or the last publish failure while connected). */
  readonly lastError: string | null;
}

const PAGE = 500;

/**
 * Publishes every committed event to NATS, in revision order, using the log as its outbox: a cursor of the
 * last published event is kept in the data directory, and after an outage or a restart publishing resumes
 * from it. With a JetStream stream each message carries `Nats-Msg-Id` (the revision) and expects the
 * previous message's id, so the stream holds every event exactly once and in order; on (re)connect the
 * position is taken from the stream's last message. NATS being down never blocks the key-value API.
 */
export class NatsPublisher {
  private readonly link: NatsLink;
  private js: JetStreamClient | null = null;
  private lastError: string | null = null;
  private lastMsgId: string | null = null;
  private needsSync = true;
  private closed = false;
  private readonly alarm = new Alarm();
  private cursorDirty = false;
  private lastCursorWrite = 0;
  private readonly feed: Subscription;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly source: WatchSource,
    private readonly options: NatsPublisherOptions,
    private readonly logger: Logger,
    private cursor: PublishCursor,
  ) {
    this.feed = source.feed.subscribe(() => this.alarm.wake());
    this.link = new NatsLink({ servers: options.servers, auth: options.auth }, logger, (nc) =>
      this.connected(nc),
    );
  }

  /**
   * Starts publishing in the background. Publishing starts after the cursor file's position, or, the first
   * time it is enabled on a data directory, after the current revision (history is not replayed into NATS).
   */
  static async start(
    source: WatchSource,
    options: NatsPublisherOptions,
    logger: Logger,
  ): Promise<NatsPublisher> {
    const saved = await readCursor(options.cursorPath);
    const cursor = saved ?? { revision: source.revision + 1, index: 0 };
    if (!saved) await writeCursor(options.cursorPath, cursor);
    const publisher = new NatsPublisher(source, options, logger.child({ component: 'nats' }), cursor);
    publisher.link.start();
    publisher.loop = publisher.run();
    return publisher;
  }

  stats(): PublisherStats {
    const done = this.cursor.revision - 1;
    const state = this.link.state;
    return {
      state,
      publishedRevision: done,
      lagRevisions: Math.max(0, this.source.revision - done),
      lastError: state === 'connected' || state === 'closed' ? this.lastError : this.link.lastError,
    };
  }

  /**
   * Stops publishing, saves the cursor and closes the connection, within `budgetMs` whatever NATS does
   * (a publish waiting for an ack, a connection still being attempted): what is not out by then is
   * published after the next start, from the cursor.
   */
  async close(budgetMs = 2_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const deadline = Date.now() + budgetMs;
    this.feed.unsubscribe();
    this.alarm.wake();
    await settleWithin(this.loop, budgetMs);
    await writeCursor(this.options.cursorPath, this.cursor).catch(() => {});
    await this.link.close(Math.max(0, deadline - Date.now()));
  }

  /** Every (re)connection: with JetStream, where the stream ends must be read again before publishing. */
  private connected(nc: NatsConnection): void {
    this.js = this.options.stream ? nc.jetstream() : null;
    this.lastError = null;
    this.needsSync = true;
    this.alarm.wake();
  }

  private async run(): Promise<void> {
    let warnedAt = 0;
    while (!this.closed) {
      const nc = this.link.connection;
      if (this.link.state !== 'connected' || nc === null) {
        await this.alarm.sleep(1000);
        continue;
      }
      try {
        if (this.needsSync) await this.syncPosition(nc);
        if (this.cursor.revision > this.source.revision) {
          await this.saveCursor(false);
          await this.alarm.sleep(1000);
          continue;
        }
        await this.publishAvailable(nc);
      } catch (err) {
        if (this.closed) break; // the connection closed under a publish: expected
        this.needsSync = true;
        this.lastError = (err as Error).message;
        if (Date.now() - warnedAt > 10_000) {
          warnedAt = Date.now();
          this.logger.warn(
            { err: this.lastError, cursor: this.cursor },
            'NATS publish failed; will resume from the last acknowledged event',
          );
        }
        await this.alarm.sleep(500);
      }
    }
  }

  /** With JetStream, the stream is the truth of what was published: continue after its last message. */
  private async syncPosition(nc: NatsConnection): Promise<void> {
    this.needsSync = false;
    if (!this.js) return;
    const jsm = await nc.jetstreamManager();
    await this.ensureStream(jsm);
    const info = await jsm.streams.info(this.options.stream);
    this.lastMsgId = null;
    if (info.state.last_seq === 0) return;
    const last = await jsm.streams.getMessage(this.options.stream, { seq: info.state.last_seq });
    const id = last.header.get('Nats-Msg-Id');
    const position = parseMsgId(id);
    if (!position) {
      throw new Error(
        `stream ${this.options.stream} ends with a message that kvstore did not publish (Nats-Msg-Id "${id}"); give kvstore a stream of its own`,
      );
    }
    this.lastMsgId = id;
    this.advance(...position);
  }

  private async ensureStream(jsm: JetStreamManager): Promise<void> {
    const subjects = [`${this.options.subjectPrefix}.>`];
    try {
      const info = await jsm.streams.info(this.options.stream);
      if (!info.config.subjects?.some((s) => s === subjects[0] || s === '>')) {
        this.logger.warn(
          { stream: this.options.stream, subjects: info.config.subjects },
          `stream does not capture ${subjects[0]}`,
        );
      }
    } catch (err) {
      if (!/stream not found/i.test((err as Error).message)) throw err;
      const replicas = this.options.replicas ?? 1;
      await jsm.streams.add({
        name: this.options.stream,
        subjects,
        storage: StorageType.File,
        num_replicas: replicas,
      });
      this.logger.info({ stream: this.options.stream, subjects, replicas }, 'created JetStream stream');
    }
  }

  /** Publishes every committed event after the cursor, page by page. */
  private async publishAvailable(nc: NatsConnection): Promise<void> {
    const compacted = this.source.eventLog.compactRevision();
    if (this.cursor.revision < compacted) {
      // The events before it are gone from the log (compacted, or lost and accepted at start-up): they can
      // never be published, and waiting for them would stop publishing for good.
      this.logger.error(
        { cursor: this.cursor, compactRevision: compacted },
        `events of revisions ${this.cursor.revision}..${compacted - 1} are no longer in the log and are not published; publishing continues at ${compacted}`,
      );
      this.cursor = { revision: compacted, index: 0 };
      this.cursorDirty = true;
    }
    const from = this.cursor.revision;
    const to = Math.min(this.source.revision, from + PAGE - 1);
    const inFlight: { ack: Promise<PubAck>; revision: number; index: number; count: number }[] = [];
    const window = this.options.window ?? 256;
    const settle = async () => {
      const oldest = inFlight.shift()!;
      await oldest.ack;
      this.advance(oldest.revision, oldest.index, oldest.count);
    };
    for await (const record of this.source.eventLog.read(from, { toRevision: to, pageSize: PAGE })) {
      // A record without key events (an etcd lease grant) publishes nothing: step over it once nothing
      // before it is waiting for an ack (else the next round does), or the cursor would stay on it.
      if (record.events.length === 0 && inFlight.length === 0 && this.cursor.revision === record.revision) {
        this.advance(record.revision, 0, 1);
        continue;
      }
      const first = record.revision === this.cursor.revision ? this.cursor.index : 0;
      for (let i = first; i < record.events.length; i++) {
        if (this.closed || this.link.state !== 'connected') break;
        const { subject, data, hdrs, id } = this.message(record, i);
        const hooks = traceHooks.streams;
        const traced =
          hooks === null ? null : hooks.publish(record.revision, subject, (k, v) => hdrs.set(k, v));
        if (this.js) {
          const options =
            this.lastMsgId === null
              ? { msgID: id, headers: hdrs }
              : { msgID: id, headers: hdrs, expect: { lastMsgID: this.lastMsgId } };
          const ack = this.js.publish(subject, data, options);
          if (traced !== null)
            ack.then(
              () => traced.end(),
              (err: Error) => traced.end(undefined, err),
            );
          inFlight.push({
            ack,
            revision: record.revision,
            index: i,
            count: record.events.length,
          });
          this.lastMsgId = id;
          if (inFlight.length >= window) await settle();
        } else {
          nc.publish(subject, data, { headers: hdrs });
          traced?.end();
          this.advance(record.revision, i, record.events.length);
        }
      }
    }
    try {
      while (inFlight.length > 0) await settle();
    } finally {
      // Unsettled acks after a failure: they are re-published after the resync (dropping their results).
      for (const p of inFlight) p.ack.catch(() => {});
    }
    if (!this.js) await nc.flush();
    await this.saveCursor(false);
  }

  /** Event `index` of `count` in `revision` is out: the next is the following one. */
  private advance(revision: number, index: number, count: number): void {
    this.cursor = index + 1 === count ? { revision: revision + 1, index: 0 } : { revision, index: index + 1 };
    this.cursorDirty = true;
  }

  private async saveCursor(force: boolean): Promise<void> {
    if (!this.cursorDirty) return;
    if (!force && Date.now() - this.lastCursorWrite < 200) return;
    this.cursorDirty = false;
    this.lastCursorWrite = Date.now();
    await writeCursor(this.options.cursorPath, this.cursor);
  }

  private message(
    record: LogRecord,
    index: number,
  ): { subject: string; data: Uint8Array; hdrs: MsgHdrs; id: string } {
    const event: LogEvent = record.events[index]!;
    const count = record.events.length;
    const id = count === 1 ? String(record.revision) : `${record.revision}-${index}-${count}`;
    const hdrs = headers();
    hdrs.set('Kvstore-Revision', String(record.revision));
    hdrs.set('Kvstore-Operation', event.type.toUpperCase());
    hdrs.set('Kvstore-Key', encodeURIComponent(event.key));
    hdrs.set('Kvstore-Time', String(record.timeMs));
    if (count > 1) hdrs.set('Kvstore-Event', `${index + 1}/${count}`);
    let data: Uint8Array = EMPTY;
    if (event.type === 'put') {
      data = event.value;
      hdrs.set('Kvstore-Version', String(event.version));
      hdrs.set('Kvstore-Create-Revision', String(event.createRevision));
      if (event.expiresAt > 0) hdrs.set('Kvstore-Expires-At', String(event.expiresAt));
    }
    return { subject: keySubject(this.options.subjectPrefix, event.key), data, hdrs, id };
  }
}

const EMPTY = new Uint8Array(0);

/** "12" -> [12, 0, 1]; "12-3-5" -> [12, 3, 5]; anything else -> null. */
function parseMsgId(id: string | undefined): [number, number, number] | null {
  const match = /^(\d+)(?:-(\d+)-(\d+))?$/.exec(id ?? '');
  if (!match) return null;
  return match[2] === undefined
    ? [Number(match[1]), 0, 1]
    : [Number(match[1]), Number(match[2]), Number(match[3])];
}
