import { decodeRecord, encodeRecord, upgradeRecord, verifyRawRecord } from '../codec.js';
import type { CommitListener, EventLog, ReadOptions, RecordBuilder } from '../event-log.js';
import { LogClosedError, LogCompactedError, type LogWriteError } from '../event-log.js';
import { type LogEvent, type LogRecord, logRecord, type RawRecord } from '../events.js';
import { CommitListeners, checkCompactTarget, checkMarkVerified, checkStartAt } from '../log-rules.js';

/**
 * A log held in process memory, in the stored format (records encoded and checksummed as on disk), so it
 * exercises the same codec as the durable backends. For unit tests and throwaway stores: nothing survives
 * the process. Appends queued in one turn of the event loop commit together, as a group commit would.
 */
export class MemoryEventLog implements EventLog {
  private readonly payloads: Uint8Array[] = [];
  private readonly listeners = new CommitListeners();
  private queue: {
    events: readonly LogEvent[] | RecordBuilder;
    resolve: (r: LogRecord) => void;
    reject: (e: Error) => void;
  }[] = [];
  private flushing: Promise<void> | null = null;
  /** Revision of payloads[0]. */
  private first = 1;
  private last = 0;
  private verified = 0;
  private lastTimeMs = 0;
  private closed = false;
  /** A listener threw: the projections missed a batch, and every later append is refused with why. */
  private failure: LogWriteError | null = null;

  append(events: readonly LogEvent[] | RecordBuilder): Promise<LogRecord> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new LogClosedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.flushing ??= new Promise<void>((done) => setImmediate(done)).then(() => this.flush());
    });
  }

  async *read(fromRevision: number, options: ReadOptions = {}): AsyncIterable<LogRecord> {
    for await (const raw of this.readRaw(fromRevision, options))
      yield decodeRecord(raw.revision, raw.payload);
  }

  async *readRaw(fromRevision: number, options: ReadOptions = {}): AsyncIterable<RawRecord> {
    let revision = Math.max(1, fromRevision);
    for (;;) {
      if (this.closed) throw new LogClosedError();
      if (revision < this.first) throw new LogCompactedError(revision, this.first);
      const to = Math.min(options.toRevision ?? this.last, this.last);
      if (revision > to) return;
      const payload = this.payloads[revision - this.first]!;
      verifyRawRecord(revision, payload);
      yield { revision, payload };
      revision++;
    }
  }

  async readOne(revision: number): Promise<LogRecord | undefined> {
    if (revision < this.first || revision > this.last) return undefined;
    return decodeRecord(revision, this.payloads[revision - this.first]!);
  }

  onCommit(listener: CommitListener): () => void {
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
    this.payloads.splice(0, revision - this.first);
    this.first = revision;
  }

  async startAt(revision: number): Promise<void> {
    checkStartAt('memory:', revision, this.last);
    this.payloads.length = 0;
    this.first = revision;
    this.last = revision - 1;
  }

  async appendVerbatim(records: readonly RawRecord[]): Promise<void> {
    if (this.closed) throw new LogClosedError();
    records.forEach(({ revision }, i) => {
      if (revision !== this.last + 1 + i) {
        throw new Error(`verbatim append expected revision ${this.last + 1 + i}, got ${revision}`);
      }
    });
    const stored = records.map(({ revision, payload }) => upgradeRecord(revision, payload));
    this.payloads.push(...stored);
    this.last += records.length;
  }

  verifiedThrough(): number {
    return Math.min(this.last, Math.max(this.verified, this.first - 1));
  }

  async markVerified(revision: number): Promise<void> {
    checkMarkVerified(revision, this.last);
    this.verified = Math.max(this.verified, revision);
  }

  async storageBytes(): Promise<number> {
    return this.payloads.reduce((sum, p) => sum + p.length, 0);
  }

  describe(): string {
    return 'memory:';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing) await this.flushing;
    this.closed = true;
  }

  /** Commits everything queued as one batch: builders run in order, each seeing the revision it gets. */
  private flush(): void {
    const queue = this.queue;
    this.queue = [];
    this.flushing = null;
    if (this.failure) {
      for (const pending of queue) pending.reject(this.failure);
      return;
    }
    const timeMs = Math.max(Date.now(), this.lastTimeMs);
    this.lastTimeMs = timeMs;
    const committed: {
      record: LogRecord;
      resolve: (r: LogRecord) => void;
      reject: (e: Error) => void;
    }[] = [];
    for (const pending of queue) {
      const revision = this.last + committed.length + 1;
      let events: readonly LogEvent[];
      try {
        events = typeof pending.events === 'function' ? pending.events(revision, timeMs) : pending.events;
      } catch (err) {
        pending.reject(err as Error);
        continue;
      }
      this.payloads.push(encodeRecord(revision, timeMs, events));
      committed.push({
        record: logRecord(revision, timeMs, events),
        resolve: pending.resolve,
        reject: pending.reject,
      });
    }
    if (committed.length === 0) return;
    this.last += committed.length;
    const records = committed.map((c) => c.record);
    this.failure = this.listeners.notify(records, 'memory:');
    for (const c of committed) {
      if (this.failure) c.reject(this.failure);
      else c.resolve(c.record);
    }
  }
}
