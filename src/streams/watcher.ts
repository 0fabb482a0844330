import { DamagedRecordError, LogCompactedError } from '../log/event-log.js';
import type { LogRecord } from '../log/events.js';
import { traceHooks } from '../observability/trace-hooks.js';
import type { ByteBudget } from './byte-budget.js';
import { LogReadRetry, mayPass } from './log-read-retry.js';
import type { PrevState, WatchEncoder } from './watch-batch.js';
import { BatchBuilder } from './watch-batch.js';
import type { WatchFilter } from './watch-filter.js';
import type { WatchEnd, WatchSource, WatchStream } from './watch-source.js';
import type { WatchTally } from './watch-tally.js';

/** Per-watcher limits. */
export interface WatcherOptions {
  /** Messages queued while the stream is not draining; past it the watcher reads from the log instead. */
  readonly maxBuffered: number;
  /** Bytes this watcher may hold (queued here and in the transport's buffers); past it, the same. */
  readonly maxBufferedBytes: number;
  /** What all watchers hold, together; past its limit a slow watcher reads from the log instead. */
  readonly budget: ByteBudget;
  /** Where events sent and demotions are counted (shared by the hub's watchers). */
  readonly tally: WatchTally;
  /** Records read from the log per round trip while catching up. */
  readonly pageSize: number;
  /** A progress message after this long without one (0: never). */
  readonly progressIntervalMs: number;
}

interface Pending {
  /** The oldest revision in the message: where to resume if it has to be dropped. */
  readonly from: number;
  readonly message: Buffer;
  /** Events in the message (for the tally). */
  readonly events: number;
}

/**
 * One watch stream. It is either *live* (fed by the hub, one message per group commit that has matching
 * events) or *catching up* (reading the durable log from `next`, ignoring the live feed). Catching up ends synchronously once
 * `next` passes the store's revision, so the first live record is exactly `next`: no gap, no duplicate.
 *
 * Memory is bounded by bytes: what a watcher holds (messages queued here while the transport does not
 * drain, plus what sits in the transport's buffers) stays under `maxBufferedBytes` (and `maxBuffered`
 * messages), and what all watchers hold under the shared budget. A message that would go over is not
 * queued: the queue is dropped and the watcher falls back to catching up from the first dropped revision,
 * reading the log one message at a time as the transport drains.
 */
export class Watcher {
  private state: 'catchup' | 'live' | 'closed' = 'catchup';
  private next = 0;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  /** Bytes counted against the budget: pendingBytes plus what the transport held at the last look. */
  private held = 0;
  private blocked = false;
  private drainWaiter: (() => void) | null = null;
  /** When the last message went out (for progress messages). */
  lastSentAt = Date.now();
  /** The watch call's trace context, for the spans of its catch-up reads (tracing on only). */
  private traceContext: unknown;

  constructor(
    readonly filter: WatchFilter,
    private readonly stream: WatchStream,
    private readonly source: WatchSource,
    private readonly encode: WatchEncoder,
    readonly options: WatcherOptions,
    private readonly onClose: (watcher: Watcher) => void,
    /** Whatever the hub files this watcher under (opaque here). */
    readonly owner: object,
  ) {}

  /** True while it follows the live feed with nothing queued (so a progress message is truthful). */
  get current(): boolean {
    return this.state === 'live' && !this.blocked && this.pending.length === 0;
  }

  /** Revisions this watcher still has to go through (0 when current). */
  get lag(): number {
    if (this.state === 'closed') return 0;
    if (this.state === 'catchup') return Math.max(0, this.source.revision - this.next + 1);
    return this.pending.length === 0 ? 0 : this.source.revision - this.pending[0]!.from + 1;
  }

  /** True while it reads the durable log rather than following the live feed. */
  get catchingUp(): boolean {
    return this.state === 'catchup';
  }

  /** Bytes this watcher holds: messages queued here plus what the transport buffered, at the last look. */
  get heldBytes(): number {
    return this.held;
  }

  /** Starts delivering from `startRevision` (inclusive; 0 = only what happens after now). */
  start(startRevision: number): void {
    const hooks = traceHooks.streams;
    if (hooks !== null) this.traceContext = hooks.capture();
    if (startRevision === 0 || startRevision > this.source.revision) {
      this.next = startRevision === 0 ? this.source.revision + 1 : startRevision;
      this.state = 'live';
      return;
    }
    this.next = startRevision;
    void this.catchUp();
  }

  /**
   * The hub's live delivery of a message this watcher's group wants, whose oldest revision is `from` and
   * which holds `events` events.
   */
  deliver(from: number, message: Buffer, events: number): void {
    if (this.state !== 'live' || from < this.next) return;
    if (this.blocked) {
      const { maxBuffered, maxBufferedBytes, budget } = this.options;
      this.pending.push({ from, message, events });
      this.pendingBytes += message.length;
      if (
        this.pending.length > maxBuffered ||
        this.held + message.length > maxBufferedBytes ||
        budget.wouldExceed(message.length)
      ) {
        this.fallBehind();
      } else {
        this.account();
      }
      return;
    }
    this.write(message, events);
  }

  /** Sends a progress message (the caller checked {@link current}). */
  progress(message: Buffer): void {
    this.write(message, 0);
  }

  /** Ends the stream and leaves the hub. */
  close(reason?: WatchEnd): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.dropPending();
    this.release();
    this.drainWaiter?.();
    this.onClose(this);
    this.stream.end(reason);
  }

  /** The client went away: forget everything without writing. */
  cancelled(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.dropPending();
    this.release();
    this.drainWaiter?.();
    this.onClose(this);
  }

  private write(message: Buffer, events: number): void {
    this.lastSentAt = Date.now();
    const tally = this.options.tally;
    tally.messagesSent++;
    tally.eventsSent += events;
    if (!this.stream.write(message)) {
      this.blocked = true;
      this.stream.onceDrained(() => this.drained());
    }
    this.account();
  }

  /** Brings the budget up to date with what this watcher holds now. */
  private account(): void {
    if (this.state === 'closed') return;
    const held = this.pendingBytes + this.stream.bufferedBytes();
    this.options.budget.adjust(held - this.held);
    this.held = held;
  }

  private release(): void {
    this.options.budget.adjust(-this.held);
    this.held = 0;
  }

  private dropPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private drained(): void {
    this.blocked = false;
    if (this.state === 'closed') return;
    while (!this.blocked && this.pending.length > 0) {
      const { message, events } = this.pending.shift()!;
      this.pendingBytes -= message.length;
      this.write(message, events);
    }
    this.account();
    if (!this.blocked && this.drainWaiter) {
      const wake = this.drainWaiter;
      this.drainWaiter = null;
      wake();
    }
  }

  /** Too much queued: drop it and re-read it from the log once the transport drains. */
  private fallBehind(): void {
    this.options.tally.demotions++;
    this.next = this.pending[0]!.from;
    this.dropPending();
    this.account();
    this.state = 'catchup';
    void this.catchUp();
  }

  /** Reads the log until caught up (or closed), within a span when tracing is on. */
  private async catchUp(): Promise<void> {
    const hooks = traceHooks.streams;
    if (hooks === null) return this.readLog();
    const from = this.next;
    const scope = hooks.catchUp(this.traceContext, from);
    await this.readLog();
    scope.end({
      'kvstore.watch.to_revision': this.next - 1,
      'kvstore.watch.revisions_read': this.next - from,
    });
  }

  private async readLog(): Promise<void> {
    const prevCache: PrevCache = { records: new Map(), bytes: 0, limit: this.options.maxBufferedBytes };
    const retry = new LogReadRetry();
    // Records read per round trip: a page holds at most about maxBufferedBytes (and at least one record).
    let pageRecords = this.options.pageSize;
    while (this.state === 'catchup') {
      try {
        const next = await this.readPage(pageRecords, prevCache);
        if (next === null) return;
        pageRecords = next;
        retry.succeeded();
      } catch (err) {
        // A compaction that overtook this catch-up: the client must resync, exactly as at the start.
        if (err instanceof LogCompactedError) {
          this.close({ kind: 'compacted', requested: err.requested, compactRevision: err.compactRevision });
          return;
        }
        if (await retry.again(err)) {
          this.options.tally.logReadRetries++;
          continue;
        }
        this.close({
          kind: 'failed',
          message: `reading the log failed: ${(err as Error).message}`,
          damaged: err instanceof DamagedRecordError,
          unavailable: mayPass(err),
        });
        return;
      }
    }
  }

  /**
   * Reads and sends one page of the log from `next`; returns the page size to read next, or null once the
   * watcher is live or closed. What a failing read had collected is sent before the error is thrown, so
   * `next` always follows the last revision sent.
   */
  private async readPage(pageRecords: number, prevCache: PrevCache): Promise<number | null> {
    const log = this.source.eventLog;
    const upTo = this.source.revision;
    if (this.next > upTo) {
      this.state = 'live';
      return null;
    }
    const compact = log.compactRevision();
    if (this.next < compact) {
      this.close({ kind: 'compacted', requested: this.next, compactRevision: compact });
      return null;
    }
    const to = Math.min(upTo, this.next + pageRecords - 1);
    // Several revisions go in one message (bounded in size); a page ends with what it collected sent.
    const builder = new BatchBuilder(this.filter);
    const send = async (batch: ReturnType<BatchBuilder['take']>) => {
      if (batch === null) return;
      if (this.blocked) await new Promise<void>((resolve) => (this.drainWaiter = resolve));
      if (this.state === 'catchup') this.write(this.encode(batch), batch.events.length);
    };
    let pageBytes = 0;
    let count = 0;
    try {
      for await (const record of log.read(this.next, { toRevision: to, pageSize: pageRecords })) {
        if (this.state !== 'catchup') return null;
        pageBytes += recordBytes(record);
        count++;
        const prevs = this.filter.prevKv ? await resolvePrevs(record, log, prevCache) : null;
        await send(builder.add(record, prevs && ((i: number) => prevs[i] ?? null)));
        this.next = record.revision + 1;
      }
    } finally {
      await send(builder.take());
    }
    if (this.state !== 'catchup') return null;
    const perRecord = Math.max(1, pageBytes / Math.max(1, count));
    return Math.max(
      1,
      Math.min(this.options.pageSize, Math.floor(this.options.maxBufferedBytes / perRecord)),
    );
  }
}

/** Approximate bytes a record holds in memory (keys and values). */
function recordBytes(record: LogRecord): number {
  let bytes = 0;
  for (const e of record.events) bytes += e.key.length + (e.type === 'put' ? e.value.length : 0) + 32;
  return bytes;
}

/** Records read for prev_kv during one catch-up, kept while they stay under `limit` bytes. */
interface PrevCache {
  readonly records: Map<number, LogRecord | undefined>;
  bytes: number;
  readonly limit: number;
}

/** The previous state of each event's key, read from the records the events name. */
async function resolvePrevs(
  record: LogRecord,
  log: WatchSource['eventLog'],
  cache: PrevCache,
): Promise<(PrevState | null)[]> {
  const out: (PrevState | null)[] = [];
  for (const event of record.events) {
    if (event.prevRevision === 0 || event.prevRevision < log.compactRevision()) {
      out.push(null);
      continue;
    }
    let source = cache.records.get(event.prevRevision);
    if (!cache.records.has(event.prevRevision)) {
      source = await log.readOne(event.prevRevision);
      const bytes = source ? recordBytes(source) : 0;
      if (cache.records.size >= 256 || cache.bytes + bytes > cache.limit) {
        cache.records.clear();
        cache.bytes = 0;
      }
      cache.records.set(event.prevRevision, source);
      cache.bytes += bytes;
    }
    const put = source?.events.find((e) => e.key === event.key && e.type === 'put');
    out.push(
      put && put.type === 'put'
        ? {
            key: put.key,
            value: put.value,
            createRevision: put.createRevision,
            modRevision: event.prevRevision,
            version: put.version,
            expiresAt: put.expiresAt,
            lease: put.lease ?? 0,
          }
        : null,
    );
  }
  return out;
}
