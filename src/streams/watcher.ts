import { LogCompactedError } from '../log/event-log.js';
import type { LogRecord } from '../log/events.js';
import type { PrevState, WatchEncoder } from './watch-batch.js';
import { BatchBuilder } from './watch-batch.js';
import type { WatchFilter } from './watch-filter.js';
import type { WatchEnd, WatchSource, WatchStream } from './watch-source.js';

/** Per-watcher limits. */
export interface WatcherOptions {
  /** Messages queued while the stream is not draining; past it the watcher reads from the log instead. */
  readonly maxBuffered: number;
  /** Records read from the log per round trip while catching up. */
  readonly pageSize: number;
  /** A progress message after this long without one (0: never). */
  readonly progressIntervalMs: number;
}

interface Pending {
  /** The oldest revision in the message: where to resume if it has to be dropped. */
  readonly from: number;
  readonly message: Buffer;
}

/**
 * One watch stream. It is either *live* (fed by the hub, one message per group commit that has matching
 * events) or *catching up* (reading the durable log from `next`, ignoring the live feed). Catching up ends synchronously once
 * `next` passes the store's revision, so the first live record is exactly `next`: no gap, no duplicate.
 *
 * Memory is bounded: while the transport does not drain, at most `maxBuffered` messages wait here; one
 * more and they are dropped and the watcher falls back to catching up from the first dropped revision.
 */
export class Watcher {
  private state: 'catchup' | 'live' | 'closed' = 'catchup';
  private next = 0;
  private pending: Pending[] = [];
  private blocked = false;
  private drainWaiter: (() => void) | null = null;
  /** When the last message went out (for progress messages). */
  lastSentAt = Date.now();

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

  /** Starts delivering from `startRevision` (inclusive; 0 = only what happens after now). */
  start(startRevision: number): void {
    if (startRevision === 0 || startRevision > this.source.revision) {
      this.next = startRevision === 0 ? this.source.revision + 1 : startRevision;
      this.state = 'live';
      return;
    }
    this.next = startRevision;
    void this.catchUp();
  }

  /** The hub's live delivery of a message this watcher's group wants, whose oldest revision is `from`. */
  deliver(from: number, message: Buffer): void {
    if (this.state !== 'live' || from < this.next) return;
    if (this.blocked) {
      this.pending.push({ from, message });
      if (this.pending.length > this.options.maxBuffered) this.fallBehind();
      return;
    }
    this.write(message);
  }

  /** Sends a progress message (the caller checked {@link current}). */
  progress(message: Buffer): void {
    this.write(message);
  }

  /** Ends the stream and leaves the hub. */
  close(reason?: WatchEnd): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.pending = [];
    this.drainWaiter?.();
    this.onClose(this);
    this.stream.end(reason);
  }

  /** The client went away: forget everything without writing. */
  cancelled(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.pending = [];
    this.drainWaiter?.();
    this.onClose(this);
  }

  private write(message: Buffer): void {
    this.lastSentAt = Date.now();
    if (!this.stream.write(message)) {
      this.blocked = true;
      this.stream.onceDrained(() => this.drained());
    }
  }

  private drained(): void {
    this.blocked = false;
    if (this.state === 'closed') return;
    while (!this.blocked && this.pending.length > 0) this.write(this.pending.shift()!.message);
    if (!this.blocked && this.drainWaiter) {
      const wake = this.drainWaiter;
      this.drainWaiter = null;
      wake();
    }
  }

  /** Too much queued: drop it and re-read it from the log once the transport drains. */
  private fallBehind(): void {
    this.next = this.pending[0]!.from;
    this.pending = [];
    this.state = 'catchup';
    void this.catchUp();
  }

  private async catchUp(): Promise<void> {
    const log = this.source.eventLog;
    const prevCache = new Map<number, LogRecord | undefined>();
    try {
      while (this.state === 'catchup') {
        const upTo = this.source.revision;
        if (this.next > upTo) {
          this.state = 'live';
          return;
        }
        const compact = log.compactRevision();
        if (this.next < compact) {
          this.close({ kind: 'compacted', requested: this.next, compactRevision: compact });
          return;
        }
        const to = Math.min(upTo, this.next + this.options.pageSize - 1);
        // Several revisions go in one message (bounded in size); a page ends with what it collected sent.
        const builder = new BatchBuilder(this.filter);
        const send = async (batch: ReturnType<BatchBuilder['take']>) => {
          if (batch === null) return;
          if (this.blocked) await new Promise<void>((resolve) => (this.drainWaiter = resolve));
          if (this.state === 'catchup') this.write(this.encode(batch));
        };
        for await (const record of log.read(this.next, { toRevision: to, pageSize: this.options.pageSize })) {
          if (this.state !== 'catchup') return;
          const prevs = this.filter.prevKv ? await resolvePrevs(record, log, prevCache) : null;
          await send(builder.add(record, prevs && ((i: number) => prevs[i] ?? null)));
          this.next = record.revision + 1;
        }
        await send(builder.take());
        if (this.state !== 'catchup') return;
      }
    } catch (err) {
      // A compaction that overtook this catch-up: the client must resync, exactly as at the start.
      if (err instanceof LogCompactedError) {
        this.close({ kind: 'compacted', requested: err.requested, compactRevision: err.compactRevision });
      } else {
        this.close({ kind: 'failed', message: `reading the log failed: ${(err as Error).message}` });
      }
    }
  }
}

/** The previous state of each event's key, read from the records the events name. */
async function resolvePrevs(
  record: LogRecord,
  log: WatchSource['eventLog'],
  cache: Map<number, LogRecord | undefined>,
): Promise<(PrevState | null)[]> {
  const out: (PrevState | null)[] = [];
  for (const event of record.events) {
    if (event.prevRevision === 0 || event.prevRevision < log.compactRevision()) {
      out.push(null);
      continue;
    }
    let source = cache.get(event.prevRevision);
    if (!cache.has(event.prevRevision)) {
      source = await log.readOne(event.prevRevision);
      if (cache.size > 256) cache.clear();
      cache.set(event.prevRevision, source);
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
          }
        : null,
    );
  }
  return out;
}
