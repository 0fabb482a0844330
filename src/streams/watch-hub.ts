import { type Subscription, filter as where } from 'rxjs';
import type { KeyEntry } from '../projections/key-entry.js';
import { storedValueBytes } from '../projections/key-entry.js';
import type { AppliedRecord } from '../projections/key-state.js';
import { ByteBudget } from './byte-budget.js';
import type { PrevState, WatchEncoder } from './watch-batch.js';
import { BatchBuilder, progressBatch } from './watch-batch.js';
import type { WatchFilter } from './watch-filter.js';
import { signature } from './watch-filter.js';
import type { WatchSource, WatchStream } from './watch-source.js';
import { WatchTally } from './watch-tally.js';
import { Watcher, type WatcherOptions } from './watcher.js';

/** Defaults for watchers and the hub's progress ticker. */
export interface WatchHubOptions {
  readonly maxBufferedEvents: number;
  /** Bytes one slow watcher may hold before it reads from the log instead. */
  readonly maxBufferedBytes: number;
  /** Bytes all slow watchers may hold together. */
  readonly maxBufferedBytesTotal: number;
  readonly progressIntervalMs: number;
  readonly pageSize?: number;
}

/** Watch fan-out figures for status and metrics. */
export interface WatchStats {
  readonly watchers: number;
  /** Watchers behind the store (catching up from the log, or live with messages queued). */
  readonly catchingUp: number;
  /** Watchers reading the durable log rather than following the live feed. */
  readonly readingLog: number;
  /** Largest number of revisions any watcher is behind. */
  readonly maxLagRevisions: number;
  /** Bytes of watch messages held for watchers that have not taken them yet. */
  readonly bufferedBytes: number;
  /** The most bytes any one watcher holds. */
  readonly maxWatcherBufferedBytes: number;
  /** Since the hub started: events and messages sent, demotions of slow watchers to catch-up. */
  readonly eventsSent: number;
  readonly messagesSent: number;
  readonly demotions: number;
  /** Since the hub started: catch-up reads that failed (the log unreachable) and were made again. */
  readonly logReadRetries: number;
}

/** Watchers that asked for the same thing: one encoded message per revision serves them all. */
interface Group {
  readonly filter: WatchFilter;
  readonly key: string;
  readonly watchers: Set<Watcher>;
}

const PROGRESS_TICK_MS = 250;

/**
 * The live fan-out: one subscription to the store's feed, watchers grouped by what they asked for. Each
 * group commit is matched once per group and encoded once per group, then handed to each live watcher.
 * Watchers of one exact key are found by a map lookup; prefix and range groups are checked in turn.
 */
export class WatchHub {
  private readonly groups = new Map<string, Group>();
  /** Watcher options by progress interval: shared, since there may be thousands of watchers. */
  private readonly watcherOptions = new Map<number, WatcherOptions>();
  private readonly byKey = new Map<string, Group[]>();
  private spanGroups: Group[] = [];
  private readonly subscription: Subscription;
  private readonly ticker: NodeJS.Timeout;
  private count = 0;
  private closed = false;
  private readonly budget: ByteBudget;
  private readonly tally = new WatchTally();

  constructor(
    private readonly source: WatchSource,
    private readonly encode: WatchEncoder,
    private readonly options: WatchHubOptions,
  ) {
    this.budget = new ByteBudget(options.maxBufferedBytesTotal);
    this.subscription = source.feed
      .pipe(where(() => this.count > 0))
      .subscribe((applied) => this.dispatch(applied));
    this.ticker = setInterval(() => this.sendProgress(), PROGRESS_TICK_MS);
    this.ticker.unref();
  }

  /**
   * Starts a watch on `stream` from `startRevision` (0 = from now). Returns the watcher; the transport must
   * call {@link Watcher.cancelled} when the client goes away.
   */
  watch(stream: WatchStream, filter: WatchFilter, startRevision: number, progressIntervalMs = 0): Watcher {
    const group = this.groupFor(filter);
    const watcher = new Watcher(
      group.filter,
      stream,
      this.source,
      this.encode,
      this.optionsFor(progressIntervalMs || this.options.progressIntervalMs),
      this.leave,
      group,
    );
    if (this.closed) {
      watcher.close({ kind: 'shutdown' });
      return watcher;
    }
    group.watchers.add(watcher);
    this.count++;
    watcher.start(startRevision);
    return watcher;
  }

  stats(): WatchStats {
    let catchingUp = 0;
    let readingLog = 0;
    let maxLag = 0;
    let maxHeld = 0;
    for (const group of this.groups.values()) {
      for (const w of group.watchers) {
        const lag = w.lag;
        if (lag > 0) catchingUp++;
        if (lag > maxLag) maxLag = lag;
        if (w.catchingUp) readingLog++;
        if (w.heldBytes > maxHeld) maxHeld = w.heldBytes;
      }
    }
    const { eventsSent, messagesSent, demotions, logReadRetries } = this.tally;
    return {
      watchers: this.count,
      catchingUp,
      readingLog,
      maxLagRevisions: maxLag,
      bufferedBytes: this.budget.used,
      maxWatcherBufferedBytes: maxHeld,
      eventsSent,
      messagesSent,
      demotions,
      logReadRetries,
    };
  }

  /** Ends every watch with "shutting down" and stops listening to the feed. */
  close(): void {
    this.closed = true;
    this.subscription.unsubscribe();
    clearInterval(this.ticker);
    for (const group of [...this.groups.values()])
      for (const w of [...group.watchers]) w.close({ kind: 'shutdown' });
  }

  /**
   * One group commit: for each group that wants any of its events, the events of all its records go out as
   * one message (more when they exceed the message size), encoded once for the whole group.
   */
  private dispatch(applied: readonly AppliedRecord[]): void {
    const visit = (group: Group) => {
      const builder = new BatchBuilder(group.filter);
      const send = (batch: ReturnType<BatchBuilder['take']>) => {
        if (batch === null) return;
        const message = this.encode(batch);
        for (const w of group.watchers) w.deliver(batch.from, message, batch.events.length);
      };
      for (const { record, changes } of applied) {
        send(
          builder.add(
            record,
            group.filter.prevKv
              ? (i) => prevState(changes[i]?.prev ?? null, changes[i]?.prevLease ?? 0)
              : null,
          ),
        );
      }
      send(builder.take());
    };
    if (this.byKey.size > 0) {
      const touched = new Set<Group>();
      for (const { record } of applied) {
        for (const event of record.events)
          for (const group of this.byKey.get(event.key) ?? []) touched.add(group);
      }
      for (const group of touched) visit(group);
    }
    for (const group of this.spanGroups) visit(group);
  }

  private sendProgress(): void {
    const now = Date.now();
    let message: Buffer | null = null;
    for (const group of this.groups.values()) {
      for (const w of group.watchers) {
        if (!w.current || now - w.lastSentAt < w.options.progressIntervalMs) continue;
        message ??= this.encode(progressBatch(this.source.revision));
        w.progress(message);
      }
    }
  }

  private optionsFor(progressIntervalMs: number): WatcherOptions {
    let options = this.watcherOptions.get(progressIntervalMs);
    if (!options) {
      options = {
        maxBuffered: this.options.maxBufferedEvents,
        maxBufferedBytes: this.options.maxBufferedBytes,
        budget: this.budget,
        tally: this.tally,
        pageSize: this.options.pageSize ?? 500,
        progressIntervalMs,
      };
      this.watcherOptions.set(progressIntervalMs, options);
    }
    return options;
  }

  private groupFor(filter: WatchFilter): Group {
    const key = signature(filter);
    let group = this.groups.get(key);
    if (group) return group;
    group = { filter, key, watchers: new Set() };
    this.groups.set(key, group);
    if (filter.selector.kind === 'key') {
      const list = this.byKey.get(filter.selector.key);
      if (list) list.push(group);
      else this.byKey.set(filter.selector.key, [group]);
    } else {
      this.spanGroups = [...this.spanGroups, group];
    }
    return group;
  }

  /** Called by a watcher when it closes (one function for all of them). */
  private readonly leave = (watcher: Watcher): void => {
    const group = watcher.owner as Group;
    if (!group.watchers.delete(watcher)) return;
    this.count--;
    if (group.watchers.size > 0) return;
    this.groups.delete(group.key);
    if (group.filter.selector.kind === 'key') {
      const key = group.filter.selector.key;
      const rest = (this.byKey.get(key) ?? []).filter((g) => g !== group);
      if (rest.length > 0) this.byKey.set(key, rest);
      else this.byKey.delete(key);
    } else {
      this.spanGroups = this.spanGroups.filter((g) => g !== group);
    }
  };
}

function prevState(entry: KeyEntry | null, lease: number): PrevState | null {
  if (entry === null) return null;
  return {
    key: entry.key,
    value: storedValueBytes(entry.value),
    createRevision: entry.createRevision,
    modRevision: entry.modRevision,
    version: entry.version,
    expiresAt: entry.expiresAt,
    lease,
  };
}
