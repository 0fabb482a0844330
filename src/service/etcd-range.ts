import type { Subscription } from 'rxjs';
import type { KeySpan } from '../keys/key-order.js';
import { spanContains, spanEnded, spanStart } from '../keys/key-order.js';
import { HistoryIndex } from '../projections/history-index.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { isLive, storedValueBytes } from '../projections/key-entry.js';
import type { KeyIndex } from '../projections/key-index.js';
import type { AppliedRecord } from '../projections/key-state.js';
import { InvalidArgumentError, RevisionOutOfRangeError } from '../store/errors.js';
import type { KeysAt, KvStore } from '../store/kv-store.js';
import type { WatchSelector } from '../streams/watch-filter.js';
import type { Access } from './access.js';
import { ServiceError } from './errors.js';
import type { EtcdRangeInput, EtcdRangeOutput, SortOrder, SortTarget } from './etcd-messages.js';
import { ETCD_ERRORS, type EtcdOperationsOptions, etcdKeyValue, etcdSelector } from './etcd-operations.js';
import { afterCatchUp } from './read-consistency.js';

/*
 * etcd's Range: the answer's shape (count, min/max filters, sort, limit, more) and reads at a past revision,
 * from the in-memory history index or a state rebuilt from a checkpoint and the log.
 */

/** The entries that have not expired at `now`. */
function* filterLive(entries: Iterable<KeyEntry>, now: number): Generator<KeyEntry> {
  for (const entry of entries) if (isLive(entry, now)) yield entry;
}

/** Entries of a selector in key order, live ones only (one key, the common read: no generator). */
function selected(index: KeyIndex, selector: WatchSelector, now: number): Iterable<KeyEntry> {
  if (selector.kind !== 'key') return scanned(index, selector, now);
  const entry = index.get(selector.key);
  return entry && isLive(entry, now) ? [entry] : [];
}

function* scanned(index: KeyIndex, span: KeySpan, now: number): Generator<KeyEntry> {
  for (const entry of index.scan(spanStart(span))) {
    if (spanEnded(span, entry.key)) return;
    if (spanContains(span, entry.key) && isLive(entry, now)) yield entry;
  }
}

interface RangeRow {
  readonly key: string;
  readonly value: string | Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

/**
 * etcd's Range answer from the rows of its range (in key order): `count` is every row, the min/max
 * revision filters then apply, then the sort, then the limit (`more` when it cut rows off). `revision` is
 * the header's: the store's current one, also for a read at a past revision (as etcd answers).
 */
export function shapeRange<R extends RangeRow>(
  rows: Iterable<R>,
  request: EtcdRangeInput,
  revision: number,
  maxResponseBytes: number,
  leaseOf: (row: R) => number,
): EtcdRangeOutput {
  let count = 0;
  const kept: R[] = [];
  const order =
    request.sort_order === 'NONE' && request.sort_target !== 'KEY' ? 'ASCEND' : request.sort_order;
  // Without a sort (or sorted by key, ascending), rows past limit + 1 are only counted.
  const keyOrder = request.sort_target === 'KEY' && order !== 'DESCEND';
  const keep = request.count_only
    ? 0
    : keyOrder && request.limit > 0
      ? request.limit + 1
      : Number.POSITIVE_INFINITY;
  let bytes = 0;
  for (const row of rows) {
    count++;
    if (kept.length >= keep || !passes(row, request)) continue;
    kept.push(row);
    bytes += row.key.length + (request.keys_only ? 0 : row.value.length);
    if (bytes > maxResponseBytes) {
      throw new ServiceError(
        'RESOURCE_EXHAUSTED',
        `the range holds over ${maxResponseBytes} bytes (limits.maxResponseBytes); read it in pages ` +
          '(limit, then the next key) or with keys_only',
      );
    }
  }
  if (!keyOrder) sortRows(kept, request.sort_target, order);
  const more = request.limit > 0 && kept.length > request.limit;
  const page = more ? kept.slice(0, request.limit) : kept;
  return {
    header: { revision },
    kvs: page.map((row) => etcdKeyValue(row, !request.keys_only, leaseOf(row))),
    more,
    count,
  };
}

function passes(row: RangeRow, r: EtcdRangeInput): boolean {
  return (
    (r.min_mod_revision === 0 || row.modRevision >= r.min_mod_revision) &&
    (r.max_mod_revision === 0 || row.modRevision <= r.max_mod_revision) &&
    (r.min_create_revision === 0 || row.createRevision >= r.min_create_revision) &&
    (r.max_create_revision === 0 || row.createRevision <= r.max_create_revision)
  );
}

function sortRows(rows: RangeRow[], target: SortTarget, order: SortOrder): void {
  const sign = order === 'DESCEND' ? -1 : 1;
  const bytesOf = (v: string | Uint8Array) => (typeof v === 'string' ? storedValueBytes(v) : Buffer.from(v));
  const by: (a: RangeRow, b: RangeRow) => number =
    target === 'VERSION'
      ? (a, b) => a.version - b.version
      : target === 'CREATE'
        ? (a, b) => a.createRevision - b.createRevision
        : target === 'MOD'
          ? (a, b) => a.modRevision - b.modRevision
          : target === 'VALUE'
            ? (a, b) => Buffer.compare(bytesOf(a.value), bytesOf(b.value))
            : (a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));
  // Stable: rows that tie stay in key order, as etcd's.
  rows.sort((a, b) => sign * by(a, b));
}

/** Default of {@link EtcdOperationsOptions.maxHistoryBytes}. */
export const DEFAULT_MAX_HISTORY_BYTES = 64 * 1024 * 1024;

/** Past states kept rebuilt at once (each is a full copy of the key state at its revision). */
export const KEPT_PAST_STATES = 2;
/** A rebuilt past state is dropped after this long without a read. */
export const PAST_STATE_IDLE_MS = 30_000;

/** A request's revision field: 0 (current) or a revision, else INVALID_ARGUMENT naming `field`. */
export function checkRevisionField(revision: number, field: string): void {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new InvalidArgumentError(field, `is ${revision}; must be 0 (current) or a revision`);
  }
}

/** etcd Range over the store: the current state, or a past revision from the history index or a rebuild. */
export class EtcdRangeReads {
  private readonly past = new Map<number, { keys: Promise<KeysAt>; timer: NodeJS.Timeout }>();
  /** Reads at past revisions since this process started (or since the last compaction). */
  private history: HistoryIndex | null = null;
  private subscription: Subscription | null = null;
  private compactSeen = 0;

  constructor(
    private readonly store: KvStore,
    private readonly options: EtcdOperationsOptions,
  ) {
    if (options.historyFrom === 'start') this.startHistory();
  }

  /** Starts the history index at the current revision (it answers reads from there on). */
  private startHistory(): void {
    if (this.history !== null || this.closed) return;
    this.history = new HistoryIndex(this.store.revision);
    this.compactSeen = this.store.eventLog.compactRevision();
    this.subscription = this.store.feed.subscribe((applied) => this.recordHistory(applied));
  }

  private closed = false;

  /** Stops following the store (the history index is dropped with this object). */
  close(): void {
    this.closed = true;
    this.subscription?.unsubscribe();
    this.history = null;
  }

  /** States held by the history index (for measurements and tests). */
  get historySize(): number {
    return this.history?.size ?? 0;
  }

  private recordHistory(applied: readonly AppliedRecord[]): void {
    const history = this.history;
    if (history === null) return;
    history.apply(applied);
    const compact = this.store.eventLog.compactRevision();
    if (compact > this.compactSeen) {
      this.compactSeen = compact;
      history.trimTo(compact);
    }
    const cap = this.options.maxHistoryBytes ?? DEFAULT_MAX_HISTORY_BYTES;
    while (history.bytes > cap && history.from < this.store.revision) {
      history.trimTo(Math.floor((history.from + this.store.revision) / 2) + 1);
    }
  }

  range(request: EtcdRangeInput, access: Access): EtcdRangeOutput | Promise<EtcdRangeOutput> {
    const store = this.store;
    const selector = etcdSelector(request.key, request.range_end, store.limits);
    access.checkSelector('read', selector);
    checkRevisionField(request.revision, 'revision');
    const answer = afterCatchUp(store, request.serializable, () =>
      this.rangeAt(selector, request, this.readableRevision(request.revision), () => store.revision),
    );
    // A linearizable read in a cluster waits, then may rebuild: one promise either way.
    return answer instanceof Promise ? answer.then((out) => out) : answer;
  }

  /**
   * The revision a read asks for (0: `current`), or etcd's error: OUT_OF_RANGE future revision past
   * `current`, compacted before the compact revision (the current state is always readable: a restored
   * store starts with its history after it).
   */
  readableRevision(asked: number, current = this.store.revision): number {
    if (asked > current) throw new ServiceError('OUT_OF_RANGE', ETCD_ERRORS.futureRevision);
    const revision = asked === 0 ? current : asked;
    if (revision < current && revision < this.store.eventLog.compactRevision()) {
      throw new ServiceError('OUT_OF_RANGE', ETCD_ERRORS.compacted);
    }
    return revision;
  }

  /** {@link readableRevision}'s refusal of a past revision (etcd's future or compacted error), or null. */
  pastReadError(revision: number): Error | null {
    try {
      this.readableRevision(revision);
      return null;
    } catch (err) {
      return err as Error;
    }
  }

  /**
   * The Range answer for `selector` at `revision` (checked by {@link readableRevision}), its header at
   * `headerRevision()` when it is made: the current one (as etcd answers a read at a past revision).
   */
  rangeAt(
    selector: WatchSelector,
    request: EtcdRangeInput,
    revision: number,
    headerRevision: () => number,
  ): EtcdRangeOutput | Promise<EtcdRangeOutput> {
    const store = this.store;
    const current = store.revision;
    const answer = (keys: KeysAt) =>
      shapeRange(
        selected(keys.index, selector, Date.now()),
        request,
        headerRevision(),
        this.options.maxResponseBytes,
        (row) => keys.leaseOf(row.key),
      );
    // A past revision the history index covers is answered from it and the current index, at once.
    const history = this.history;
    if (revision < current && history !== null && revision >= history.from) {
      const live = store.keysAt(current) as KeysAt;
      return shapeRange(
        filterLive(history.read(live.index, selector, revision), Date.now()),
        request,
        headerRevision(),
        this.options.maxResponseBytes,
        (row) => history.leaseAt(row.key, revision) ?? live.leaseOf(row.key),
      );
    }
    if (revision < current) this.startHistory();
    const keys = revision >= current ? store.keysAt(current) : this.pastKeys(revision);
    if (!(keys instanceof Promise)) return answer(keys);
    return keys.then(answer, (err: unknown) => {
      throw err instanceof RevisionOutOfRangeError
        ? new ServiceError('OUT_OF_RANGE', ETCD_ERRORS.compacted)
        : err;
    });
  }

  /**
   * The keys and their leases at a past revision, rebuilt once and kept while it is used: a paginated list pinned to one
   * revision (Kubernetes' limit + continue) rebuilds it for its first page only. At most
   * {@link KEPT_PAST_STATES} are kept, each dropped after {@link PAST_STATE_IDLE_MS} without a read.
   */
  private pastKeys(revision: number): Promise<KeysAt> {
    const hit = this.past.get(revision);
    if (hit) {
      hit.timer.refresh();
      this.past.delete(revision);
      this.past.set(revision, hit);
      return hit.keys;
    }
    const keys = Promise.resolve(this.store.keysAt(revision));
    const timer = setTimeout(() => this.past.delete(revision), PAST_STATE_IDLE_MS);
    timer.unref();
    this.past.set(revision, { keys, timer });
    keys.catch(() => this.past.delete(revision));
    // Maps iterate in insertion order and a hit moves to the end: the first is the least recently read.
    for (const [rev, old] of this.past) {
      if (this.past.size <= KEPT_PAST_STATES) break;
      clearTimeout(old.timer);
      this.past.delete(rev);
    }
    return keys;
  }
}
