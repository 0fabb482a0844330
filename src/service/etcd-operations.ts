import type { Subscription } from 'rxjs';
import type { KeySpan } from '../keys/key-order.js';
import { spanContains, spanEnded, spanStart } from '../keys/key-order.js';
import { invalidUtf8Offset } from '../keys/utf8.js';
import { HistoryIndex } from '../projections/history-index.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { isLive, storedValueBytes } from '../projections/key-entry.js';
import type { KeyIndex } from '../projections/key-index.js';
import type { AppliedRecord } from '../projections/key-state.js';
import { InvalidArgumentError, RevisionOutOfRangeError } from '../store/errors.js';
import type { KvStore } from '../store/kv-store.js';
import { validateKey, validateKeyBound } from '../store/limits.js';
import type { WatchFilter, WatchSelector } from '../streams/watch-filter.js';
import { type Access, checkTxnAccess } from './access.js';
import { ServiceError } from './errors.js';
import { etcdTxnResponses, planEtcdTxn } from './etcd-txn.js';
import { afterCatchUp } from './read-consistency.js';

/*
 * The etcd v3 API's KV operations (etcdserverpb.KV), over the same store as kvstore.v1: every etcd rule
 * (range_end conventions, sort, limit/count/more, revision reads, compare targets, etcd's error strings)
 * lives here, once; src/api/etcd/ only maps the wire. Keys are bytes in etcd: kvstore accepts those that
 * are valid UTF-8 and refuses others naming the byte offset.
 */

/** etcd's error strings: its clients recognise errors by these messages (etcd api/v3rpc/rpctypes). */
export const ETCD_ERRORS = {
  emptyKey: 'etcdserver: key is not provided',
  compacted: 'etcdserver: mvcc: required revision has been compacted',
  futureRevision: 'etcdserver: mvcc: required revision is a future revision',
  leaseNotFound: 'etcdserver: requested lease not found',
  keyNotFound: 'etcdserver: key not found',
  valueProvided: 'etcdserver: value is provided',
  leaseProvided: 'etcdserver: lease is provided',
  tooManyOps: 'etcdserver: too many operations in txn request',
  duplicateKey: 'etcdserver: duplicate key given in txn request',
} as const;

/**
 * A feature of the etcd API kvstore does not offer (yet): the etcd adapter answers UNIMPLEMENTED with this
 * message, which names the feature, never a silent wrong answer.
 */
export class UnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedError';
  }
}

/** A key-value as etcd returns it (mvccpb.KeyValue); leases are not kept, so `lease` is always 0. */
export interface EtcdKeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly create_revision: number;
  readonly mod_revision: number;
  readonly version: number;
  readonly lease: number;
}

export interface EtcdHeader {
  readonly revision: number;
}

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

export interface EtcdRangeInput {
  readonly key: Uint8Array;
  readonly range_end: Uint8Array;
  readonly limit: number;
  readonly revision: number;
  readonly sort_order: SortOrder;
  readonly sort_target: SortTarget;
  readonly serializable: boolean;
  readonly keys_only: boolean;
  readonly count_only: boolean;
  readonly min_mod_revision: number;
  readonly max_mod_revision: number;
  readonly min_create_revision: number;
  readonly max_create_revision: number;
}
export interface EtcdRangeOutput {
  readonly header: EtcdHeader;
  readonly kvs: EtcdKeyValue[];
  readonly more: boolean;
  readonly count: number;
}

export interface EtcdPutInput {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly lease: number;
  readonly prev_kv: boolean;
  readonly ignore_value: boolean;
  readonly ignore_lease: boolean;
}
export interface EtcdPutOutput {
  readonly header: EtcdHeader;
  readonly prev_kv: EtcdKeyValue | null;
}

export interface EtcdDeleteRangeInput {
  readonly key: Uint8Array;
  readonly range_end: Uint8Array;
  readonly prev_kv: boolean;
}
export interface EtcdDeleteRangeOutput {
  readonly header: EtcdHeader;
  readonly deleted: number;
  readonly prev_kvs: EtcdKeyValue[];
}

export interface EtcdCompareInput {
  readonly result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  readonly target: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
  readonly key: Uint8Array;
  readonly range_end: Uint8Array;
  readonly version?: number;
  readonly create_revision?: number;
  readonly mod_revision?: number;
  readonly value?: Uint8Array;
  readonly lease?: number;
}

export interface EtcdRequestOpInput {
  readonly request?: 'request_range' | 'request_put' | 'request_delete_range' | 'request_txn';
  readonly request_range?: EtcdRangeInput | null;
  readonly request_put?: EtcdPutInput | null;
  readonly request_delete_range?: EtcdDeleteRangeInput | null;
  readonly request_txn?: EtcdTxnInput | null;
}
export interface EtcdTxnInput {
  readonly compare: readonly EtcdCompareInput[];
  readonly success: readonly EtcdRequestOpInput[];
  readonly failure: readonly EtcdRequestOpInput[];
}
export interface EtcdResponseOpOutput {
  readonly response_range?: EtcdRangeOutput;
  readonly response_put?: EtcdPutOutput;
  readonly response_delete_range?: EtcdDeleteRangeOutput;
  readonly response_txn?: EtcdTxnOutput;
}
export interface EtcdTxnOutput {
  readonly header: EtcdHeader;
  readonly succeeded: boolean;
  readonly responses: EtcdResponseOpOutput[];
}

export interface EtcdWatchCreateInput {
  readonly key: Uint8Array;
  readonly range_end: Uint8Array;
  readonly start_revision: number;
  readonly filters: readonly ('NOPUT' | 'NODELETE')[];
  readonly prev_kv: boolean;
}

/** The most operations of one etcd Txn branch (etcd's default --max-txn-ops). */
export const MAX_ETCD_TXN_OPS = 128;

const EMPTY = Buffer.alloc(0);

/** A key's bytes as a kvstore key: valid UTF-8, else INVALID_ARGUMENT naming the byte offset. */
export function etcdKey(bytes: Uint8Array, field: string): string {
  const bad = invalidUtf8Offset(bytes);
  if (bad >= 0) {
    throw new InvalidArgumentError(
      field,
      `is not valid UTF-8 (first bad byte at offset ${bad}); kvstore keys are UTF-8 strings`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The end of the range of keys that start with `prefix` (etcd's prefix+1), or null when there is none. */
export function prefixEnd(prefix: Uint8Array): Buffer | null {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return null;
}

/**
 * The keys named by etcd's (key, range_end): range_end empty = the key alone; "\0" = every key >= key
 * (with key "\0" or empty: every key); prefix+1 = the keys under that prefix; otherwise [key, range_end).
 */
export function etcdSelector(
  key: Uint8Array,
  rangeEnd: Uint8Array,
  limits: KvStore['limits'],
  fields: { key: string; rangeEnd: string } = { key: 'key', rangeEnd: 'range_end' },
): WatchSelector {
  if (key.length === 0 && rangeEnd.length === 0) {
    throw new ServiceError('INVALID_ARGUMENT', ETCD_ERRORS.emptyKey, { field: fields.key });
  }
  const start = etcdKey(key, fields.key);
  if (rangeEnd.length === 0) return { kind: 'key', key: validateKey(start, limits, fields.key) };
  validateKeyBound(start, limits, fields.key);
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) {
    return start === '' || start === '\0'
      ? { kind: 'prefix', prefix: '' }
      : { kind: 'range', start, end: null };
  }
  const next = prefixEnd(key);
  if (next !== null && key.length > 0 && next.equals(rangeEnd)) return { kind: 'prefix', prefix: start };
  const end = validateKeyBound(etcdKey(rangeEnd, fields.rangeEnd), limits, fields.rangeEnd);
  return { kind: 'range', start, end };
}

/** Checks a Put's key and lease fields (shared by Put and a Txn's put); the key as a kvstore key. */
export function etcdPutKey(request: EtcdPutInput, field: string, limits: KvStore['limits']): string {
  if (request.key.length === 0) throw new ServiceError('INVALID_ARGUMENT', ETCD_ERRORS.emptyKey);
  const key = validateKey(etcdKey(request.key, field), limits, field);
  if (request.ignore_value && request.value.length > 0) {
    throw new ServiceError('INVALID_ARGUMENT', ETCD_ERRORS.valueProvided);
  }
  if (request.ignore_lease && request.lease !== 0) {
    throw new ServiceError('INVALID_ARGUMENT', ETCD_ERRORS.leaseProvided);
  }
  // No lease is ever granted (docs/etcd.md): any lease ID is one etcd would not find either.
  if (request.lease !== 0) throw new ServiceError('NOT_FOUND', ETCD_ERRORS.leaseNotFound);
  return key;
}

/** The entries that have not expired at `now`. */
function* filterLive(entries: Iterable<KeyEntry>, now: number): Generator<KeyEntry> {
  for (const entry of entries) if (isLive(entry, now)) yield entry;
}

/** Entries of a selector in key order, live ones only. */
function* selected(index: KeyIndex, selector: WatchSelector, now: number): Generator<KeyEntry> {
  if (selector.kind === 'key') {
    const entry = index.get(selector.key);
    if (entry && isLive(entry, now)) yield entry;
    return;
  }
  const span: KeySpan = selector;
  for (const entry of index.scan(spanStart(span))) {
    if (spanEnded(span, entry.key)) return;
    if (spanContains(span, entry.key) && isLive(entry, now)) yield entry;
  }
}

/** A store entry or row as etcd's KeyValue. */
export function etcdKeyValue(
  row: Pick<KeyEntry, 'key' | 'createRevision' | 'modRevision' | 'version'> & {
    value: string | Uint8Array;
  },
  withValue = true,
): EtcdKeyValue {
  const value = !withValue
    ? EMPTY
    : typeof row.value === 'string'
      ? storedValueBytes(row.value)
      : Buffer.from(row.value.buffer, row.value.byteOffset, row.value.byteLength);
  return {
    key: Buffer.from(row.key, 'utf8'),
    value,
    create_revision: row.createRevision,
    mod_revision: row.modRevision,
    version: row.version,
    lease: 0,
  };
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
export function shapeRange(
  rows: Iterable<RangeRow>,
  request: EtcdRangeInput,
  revision: number,
  maxResponseBytes: number,
): EtcdRangeOutput {
  let count = 0;
  const kept: RangeRow[] = [];
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
    kvs: page.map((row) => etcdKeyValue(row, !request.keys_only)),
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

/** Settings of the etcd operations that come from the server's configuration. */
export interface EtcdOperationsOptions {
  readonly maxResponseBytes: number;
  /**
   * Most heap bytes the in-memory history index holds (default 64 MiB: about 240 000 states at 100-byte
   * values, docs/etcd.md); past it, its oldest history is dropped and reads before it are rebuilt from a
   * checkpoint instead.
   */
  readonly maxHistoryBytes?: number;
  /**
   * When the history index starts: 'first-read' (default) at the first Range at a past revision, so a
   * server nobody asks for history costs nothing (that first read is rebuilt); 'start' at once.
   */
  readonly historyFrom?: 'start' | 'first-read';
}

/** Default of {@link EtcdOperationsOptions.maxHistoryBytes}. */
export const DEFAULT_MAX_HISTORY_BYTES = 64 * 1024 * 1024;

/** Past states kept rebuilt at once (each is a full copy of the key state at its revision). */
export const KEPT_PAST_STATES = 2;
/** A rebuilt past state is dropped after this long without a read. */
export const PAST_STATE_IDLE_MS = 30_000;

/** etcdserverpb.KV over the store. */
export class EtcdKvOperations {
  private readonly past = new Map<number, { index: Promise<KeyIndex>; timer: NodeJS.Timeout }>();
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
    if (!Number.isSafeInteger(request.revision) || request.revision < 0) {
      throw new InvalidArgumentError('revision', `is ${request.revision}; must be 0 (current) or a revision`);
    }
    const answer = afterCatchUp(store, request.serializable, () => {
      const current = store.revision;
      if (request.revision > current) throw new ServiceError('OUT_OF_RANGE', ETCD_ERRORS.futureRevision);
      const revision = request.revision === 0 ? current : request.revision;
      // The current state is always readable (a restored store starts with its history after it).
      if (revision < current && revision < store.eventLog.compactRevision()) {
        throw new ServiceError('OUT_OF_RANGE', ETCD_ERRORS.compacted);
      }
      const answer = (index: KeyIndex) =>
        shapeRange(
          selected(index, selector, Date.now()),
          request,
          store.revision,
          this.options.maxResponseBytes,
        );
      // A past revision the history index covers is answered from it and the current index, at once.
      const history = this.history;
      if (revision < current && history !== null && revision >= history.from) {
        const live = store.indexAt(current) as KeyIndex;
        return shapeRange(
          filterLive(history.read(live, selector, revision), Date.now()),
          request,
          store.revision,
          this.options.maxResponseBytes,
        );
      }
      if (revision < current) this.startHistory();
      const index = revision === current ? store.indexAt(revision) : this.pastIndex(revision);
      if (!(index instanceof Promise)) return answer(index);
      return index.then(answer, (err: unknown) => {
        throw err instanceof RevisionOutOfRangeError
          ? new ServiceError('OUT_OF_RANGE', ETCD_ERRORS.compacted)
          : err;
      });
    });
    // A linearizable read in a cluster waits, then may rebuild: one promise either way.
    return answer instanceof Promise ? answer.then((out) => out) : answer;
  }

  /**
   * The index at a past revision, rebuilt once and kept while it is used: a paginated list pinned to one
   * revision (Kubernetes' limit + continue) rebuilds it for its first page only. At most
   * {@link KEPT_PAST_STATES} are kept, each dropped after {@link PAST_STATE_IDLE_MS} without a read.
   */
  private pastIndex(revision: number): Promise<KeyIndex> {
    const hit = this.past.get(revision);
    if (hit) {
      hit.timer.refresh();
      this.past.delete(revision);
      this.past.set(revision, hit);
      return hit.index;
    }
    const index = Promise.resolve(this.store.indexAt(revision));
    const timer = setTimeout(() => this.past.delete(revision), PAST_STATE_IDLE_MS);
    timer.unref();
    this.past.set(revision, { index, timer });
    index.catch(() => this.past.delete(revision));
    // Maps iterate in insertion order and a hit moves to the end: the first is the least recently read.
    for (const [rev, old] of this.past) {
      if (this.past.size <= KEPT_PAST_STATES) break;
      clearTimeout(old.timer);
      this.past.delete(rev);
    }
    return index;
  }

  async put(request: EtcdPutInput, access: Access): Promise<EtcdPutOutput> {
    const key = this.putKey(request, 'key');
    access.checkKey('write', key);
    if (request.prev_kv) access.checkKey('read', key);
    if (request.ignore_value) return this.putKeepingValue(key, request);
    if (!request.prev_kv) {
      const result = await this.store.set(key, request.value);
      return { header: { revision: result.revision }, prev_kv: null };
    }
    const result = await this.store.txn({
      compares: [],
      success: [
        { type: 'get', key },
        { type: 'set', key, value: request.value },
      ],
      failure: [],
    });
    const got = result.results[0];
    return {
      header: { revision: result.revision },
      prev_kv: got?.type === 'get' && got.row ? etcdKeyValue(got.row) : null,
    };
  }

  async deleteRange(request: EtcdDeleteRangeInput, access: Access): Promise<EtcdDeleteRangeOutput> {
    const selector = etcdSelector(request.key, request.range_end, this.store.limits);
    access.checkSelector('write', selector);
    if (request.prev_kv) access.checkSelector('read', selector);
    if (selector.kind === 'key') {
      const result = await this.store.txn({
        compares: [],
        success: [{ type: 'delete', key: selector.key }],
        failure: [],
      });
      const done = result.results[0];
      const prev = done?.type === 'delete' ? done.prev : null;
      return {
        header: { revision: result.revision },
        deleted: prev ? 1 : 0,
        prev_kvs: prev && request.prev_kv ? [etcdKeyValue(prev)] : [],
      };
    }
    const { revision, deleted } = await this.store.deleteRange(selector, { prevKv: request.prev_kv });
    return {
      header: { revision },
      deleted: deleted.length,
      prev_kvs: request.prev_kv ? deleted.map((row) => etcdKeyValue(row)) : [],
    };
  }

  async txn(request: EtcdTxnInput, access: Access): Promise<EtcdTxnOutput> {
    const plan = planEtcdTxn(request, this.store.limits);
    checkTxnAccess(access, plan.request);
    const result = await this.store.txn(plan.request);
    const revision = result.revision;
    return {
      header: { revision },
      succeeded: result.succeeded,
      responses: etcdTxnResponses(
        result.succeeded ? plan.success : plan.failure,
        result.results,
        revision,
        this.options.maxResponseBytes,
      ),
    };
  }

  /** Checks a Put's key and lease fields. */
  private putKey(request: EtcdPutInput, field: string): string {
    return etcdPutKey(request, field, this.store.limits);
  }

  /** Put with ignore_value: the current value again, as one compare-and-set on its mod revision. */
  private async putKeepingValue(key: string, request: EtcdPutInput): Promise<EtcdPutOutput> {
    for (;;) {
      const { entry } = this.store.get(key);
      if (!entry) throw new ServiceError('INVALID_ARGUMENT', ETCD_ERRORS.keyNotFound);
      const result = await this.store.txn({
        compares: [{ key, target: 'modRevision', op: 'equal', operand: entry.modRevision }],
        success: [{ type: 'set', key, value: storedValueBytes(entry.value) }],
        failure: [],
      });
      if (result.succeeded) {
        return {
          header: { revision: result.revision },
          prev_kv: request.prev_kv ? etcdKeyValue(entry) : null,
        };
      }
    }
  }

  /** Compact (the physical flag is accepted: kvstore's compaction is always physical once it returns). */
  async compact(revision: number, access: Access): Promise<{ header: EtcdHeader }> {
    access.checkAdmin('Compact');
    if (revision > this.store.revision) throw new ServiceError('OUT_OF_RANGE', ETCD_ERRORS.futureRevision);
    if (revision <= this.store.eventLog.compactRevision()) {
      throw new ServiceError('OUT_OF_RANGE', ETCD_ERRORS.compacted);
    }
    await this.store.compact(revision);
    return { header: { revision: this.store.revision } };
  }
}

/** A watch create request as the watch machinery's filter. */
export function etcdWatchFilter(
  request: EtcdWatchCreateInput,
  limits: KvStore['limits'],
  access: Access,
): WatchFilter {
  if (!Number.isSafeInteger(request.start_revision) || request.start_revision < 0) {
    throw new InvalidArgumentError(
      'start_revision',
      `is ${request.start_revision}; must be 0 (from now) or a revision`,
    );
  }
  const selector = etcdSelector(request.key, request.range_end, limits);
  access.checkSelector('read', selector);
  return {
    selector,
    noPut: request.filters.includes('NOPUT'),
    noDelete: request.filters.includes('NODELETE'),
    prevKv: request.prev_kv,
  };
}
