import { invalidUtf8Offset } from '../keys/utf8.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { storedValueBytes } from '../projections/key-entry.js';
import { InvalidArgumentError, KeyNotFoundError } from '../store/errors.js';
import type { KvStore } from '../store/kv-store.js';
import { validateKey, validateKeyBound } from '../store/limits.js';
import type { TxnOp } from '../store/txn.js';
import type { WatchFilter, WatchSelector } from '../streams/watch-filter.js';
import { type Access, checkTxnAccess } from './access.js';
import { ServiceError } from './errors.js';
import type {
  EtcdDeleteRangeInput,
  EtcdDeleteRangeOutput,
  EtcdHeader,
  EtcdKeyValue,
  EtcdPutInput,
  EtcdPutOutput,
  EtcdRangeInput,
  EtcdRangeOutput,
  EtcdTxnInput,
  EtcdTxnOutput,
  EtcdWatchCreateInput,
} from './etcd-messages.js';
import { EtcdRangeReads } from './etcd-range.js';
import { etcdTxnResponses, type PastRead, planEtcdTxn } from './etcd-txn.js';
import { readPastRanges } from './etcd-txn-past-reads.js';

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
  leaseExists: 'etcdserver: lease already exists',
  leaseTtlTooLarge: 'etcdserver: too large lease TTL',
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
  return key;
}

/**
 * A Put (or a Txn's put) as the store's set: ignore_value and ignore_lease keep the key's current value
 * and lease at the serialisation point (the store refuses a missing key, see {@link etcdKeyNotFound}).
 */
export function etcdSetOp(key: string, request: EtcdPutInput): TxnOp {
  return {
    type: 'set',
    key,
    value: request.value,
    lease: request.lease,
    ...(request.ignore_value ? { keepValue: true } : {}),
    ...(request.ignore_lease ? { keepLease: true } : {}),
  };
}

/** Rethrows a put's missing key (ignore_value or ignore_lease) as etcd's error; the whole Txn is refused. */
export function etcdKeyNotFound(err: unknown): never {
  throw err instanceof KeyNotFoundError ? new ServiceError('INVALID_ARGUMENT', ETCD_ERRORS.keyNotFound) : err;
}

/** A store entry or row as etcd's KeyValue, attached to `lease` (0: none). */
export function etcdKeyValue(
  row: Pick<KeyEntry, 'key' | 'createRevision' | 'modRevision' | 'version'> & {
    value: string | Uint8Array;
  },
  withValue: boolean,
  lease: number,
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
    lease,
  };
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

/** etcdserverpb.KV over the store. */
export class EtcdKvOperations {
  /** Range, at the current or a past revision (the history index and rebuilt states live there). */
  private readonly reads: EtcdRangeReads;

  constructor(
    private readonly store: KvStore,
    private readonly options: EtcdOperationsOptions,
  ) {
    this.reads = new EtcdRangeReads(store, options);
  }

  /** Stops following the store (the history index is dropped with this object). */
  close(): void {
    this.reads.close();
  }

  /** States held by the history index (for measurements and tests). */
  get historySize(): number {
    return this.reads.historySize;
  }

  range(request: EtcdRangeInput, access: Access): EtcdRangeOutput | Promise<EtcdRangeOutput> {
    return this.reads.range(request, access);
  }

  async put(request: EtcdPutInput, access: Access): Promise<EtcdPutOutput> {
    const key = this.putKey(request, 'key');
    access.checkKey('write', key);
    if (request.prev_kv) access.checkKey('read', key);
    if (!request.prev_kv && !request.ignore_value && !request.ignore_lease) {
      const lease = request.lease;
      const result = await this.store.set(key, request.value, lease === 0 ? {} : { lease });
      return { header: { revision: result.revision }, prev_kv: null };
    }
    const set = etcdSetOp(key, request);
    const result = await this.store
      .txn({ compares: [], success: request.prev_kv ? [{ type: 'get', key }, set] : [set], failure: [] })
      .catch(etcdKeyNotFound);
    const got = request.prev_kv ? result.results[0] : undefined;
    return {
      header: { revision: result.revision },
      prev_kv: got?.type === 'get' && got.row ? etcdKeyValue(got.row, true, got.row.lease) : null,
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
        prev_kvs: prev && request.prev_kv ? [etcdKeyValue(prev, true, prev.lease)] : [],
      };
    }
    const { revision, deleted } = await this.store.deleteRange(selector, { prevKv: request.prev_kv });
    return {
      header: { revision },
      deleted: deleted.length,
      prev_kvs: request.prev_kv ? deleted.map((row) => etcdKeyValue(row, true, row.lease)) : [],
    };
  }

  async txn(request: EtcdTxnInput, access: Access): Promise<EtcdTxnOutput> {
    const limits = this.store.limits;
    // Each past revision is checked once, when the Txn arrives: a future one stays refused if planned again.
    const checked = new Map<number, Error | null>();
    const readable = (past: number): Error | null => {
      let verdict = checked.get(past);
      if (verdict === undefined) {
        verdict = this.reads.pastReadError(past);
        checked.set(past, verdict);
      }
      return verdict;
    };
    let plan = planEtcdTxn(request, limits, readable);
    checkTxnAccess(access, plan.request);
    const read: PastRead = (selector, range, at, header) =>
      this.reads.rangeAt(selector, range, at, () => header);
    const early = await readPastRanges(plan, read);
    // A compaction landed between the check and the read: the branches reading there are refused now.
    if (early.refused.size > 0) {
      plan = planEtcdTxn(request, limits, (past) => early.refused.get(past) ?? readable(past));
    }
    const result = await this.store.txn(plan.request).catch(etcdKeyNotFound);
    const revision = result.revision;
    return {
      header: { revision },
      succeeded: result.succeeded,
      responses: await etcdTxnResponses(
        result.succeeded ? plan.success : plan.failure,
        result.results,
        revision,
        this.options.maxResponseBytes,
        (selector, range, at, header) => early.answer(range, header) ?? read(selector, range, at, header),
      ),
    };
  }

  /** Checks a Put's key and lease fields. */
  private putKey(request: EtcdPutInput, field: string): string {
    return etcdPutKey(request, field, this.store.limits);
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
  // A namespaced caller watches its keys under the prefix, and receives them without it (nsWatch).
  const ns = access.namespace;
  const range = ns ? ns.etcdRange(request.key, request.range_end) : request;
  const selector = etcdSelector(range.key, range.range_end, limits);
  access.checkSelector('read', selector);
  return {
    selector,
    noPut: request.filters.includes('NOPUT'),
    noDelete: request.filters.includes('NODELETE'),
    prevKv: request.prev_kv,
    ...(ns ? { stripPrefix: ns.prefix } : {}),
  };
}
