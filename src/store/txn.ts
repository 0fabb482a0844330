import type { KeySpan } from '../keys/key-order.js';
import { compareKeys, spanContains } from '../keys/key-order.js';
import type { RecordBuilder } from '../log/event-log.js';
import type { LogEvent } from '../log/events.js';
import { type Compare, evaluateCompare } from './conditions.js';
import { InvalidArgumentError, KeyNotFoundError, RangeTooLargeError } from './errors.js';
import { checkLeaseExists } from './lease-errors.js';
import type { Limits } from './limits.js';
import { expireIfDue, isLive, NothingToWrite, putEvent } from './record-builders.js';
import { ResponseBudget } from './response-budget.js';
import type { KeyHead, KeyRow, WriteView } from './write-view.js';

/** One operation of a transaction branch. */
export type TxnOp =
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'range'; readonly span: KeySpan; readonly limit: number; readonly keysOnly?: boolean }
  | {
      readonly type: 'set';
      readonly key: string;
      readonly value: Uint8Array;
      readonly ttlMs?: number;
      /** Attach the key to this lease (etcd's Put.lease; it must exist then); 0 or absent: none. */
      readonly lease?: number;
      /** Keep the key's current value, ignoring `value` (etcd's ignore_value; {@link KeyNotFoundError} when absent). */
      readonly keepValue?: boolean;
      /** Keep the key's current lease, ignoring `lease` (etcd's ignore_lease; {@link KeyNotFoundError} when absent). */
      readonly keepLease?: boolean;
    }
  | { readonly type: 'delete'; readonly key: string }
  | {
      readonly type: 'deleteRange';
      readonly span: KeySpan;
      /** The answer carries the deleted key-values (prev_kv). */
      readonly prevKv?: boolean;
    }
  /**
   * A nested transaction (etcd's request_txn): its compares are evaluated with the outer ones, at the
   * serialisation point before any operation runs; its chosen branch runs in place, in the same revision.
   */
  | { readonly type: 'txn'; readonly request: TxnRequest };

/** What one operation did, in the order of the branch. */
export type TxnOpResult =
  | { readonly type: 'get'; readonly row: KeyRow | null }
  | { readonly type: 'range'; readonly rows: KeyRow[]; readonly more: boolean }
  | {
      readonly type: 'set';
      readonly createRevision: number;
      readonly version: number;
      readonly expiresAt: number;
    }
  | { readonly type: 'delete'; readonly deleted: boolean; readonly prev: KeyRow | null }
  | { readonly type: 'deleteRange'; readonly deleted: KeyRow[] }
  | { readonly type: 'txn'; readonly succeeded: boolean; readonly results: readonly TxnOpResult[] };

/** etcd's transaction: if every compare holds, the success ops, otherwise the failure ops; one revision. */
export interface TxnRequest {
  readonly compares: readonly Compare[];
  readonly success: readonly TxnOp[];
  readonly failure: readonly TxnOp[];
  /**
   * etcd's rule: deletes of one branch may overlap each other (a later one deletes what the earlier ones
   * left). kvstore.v1 refuses that as writing a key twice. Puts are written at most once either way.
   */
  readonly overlappingDeletes?: boolean;
  /**
   * Refuses the whole transaction with this error, nothing written, when the branch it names is the one
   * its compares choose (etcd checks a Txn's reads at a past revision on the path taken only).
   */
  readonly refuse?: { readonly success?: Error; readonly failure?: Error };
}

/** The outcome; `revision` is the transaction's own revision when it wrote, else the one it read. */
export interface TxnResult {
  readonly revision: number;
  readonly succeeded: boolean;
  readonly results: readonly TxnOpResult[];
}

/** Most compares, and most operations per branch. */
export const MAX_TXN_OPS = 128;

/**
 * The transaction as a record builder. Compares and reads see the state at the serialisation point; the
 * operations of the chosen branch run in order, each seeing the ones before it. The outcome is left in
 * `out.result`. A branch that writes nothing throws {@link NothingToWrite}.
 */
export function txnRecord(
  view: WriteView,
  request: TxnRequest,
  limits: Pick<Limits, 'maxRangeKeys' | 'maxResponseBytes'>,
  out: { result?: TxnResult },
): RecordBuilder {
  const maxRangeKeys = limits.maxRangeKeys;
  return (revision, timeMs) => {
    const run = new BranchRun(view, revision, timeMs, maxRangeKeys);
    // Every compare, nested ones included, sees the state before any operation runs (as etcd).
    const path = run.decide(request);
    const { succeeded } = path;
    const ops = succeeded ? request.success : request.failure;
    const results = run.runBranch(ops, path);
    // Before anything is written: an answer too large to send must not follow a committed write.
    const answer = new ResponseBudget(
      limits.maxResponseBytes,
      'Txn',
      'Read less in one transaction (a range limit, keys_only, or no prev_kv on delete_range).',
    );
    measureAnswer(ops, results, answer);
    if (run.events.length === 0) {
      out.result = { revision: revision - 1, succeeded, results };
      throw new NothingToWrite(revision - 1);
    }
    view.stage(revision, run.events);
    out.result = { revision, succeeded, results };
    return run.events;
  };
}

/** The branches a transaction takes: its own, and that of each nested transaction of it, in order. */
interface TxnPath {
  readonly succeeded: boolean;
  readonly nested: readonly TxnPath[];
}

/** One attempt at the chosen branch: the events it writes, and its own writes seen by its later operations. */
class BranchRun {
  readonly events: LogEvent[] = [];
  private readonly local = new Map<string, KeyRow | null>();
  /** Keys written so far: a nested branch may not write a key again (checked statically per branch). */
  private readonly written = new Set<string>();

  constructor(
    private readonly view: WriteView,
    private readonly revision: number,
    private readonly timeMs: number,
    private readonly maxRangeKeys: number,
  ) {}

  /** Evaluates the compares of `request` and of the nested transactions of the branches they choose. */
  decide(request: TxnRequest): TxnPath {
    const succeeded = request.compares.every((c) => this.holds(c));
    const refusal = succeeded ? request.refuse?.success : request.refuse?.failure;
    if (refusal !== undefined) throw refusal;
    const ops = succeeded ? request.success : request.failure;
    const nested = ops.flatMap((op) => (op.type === 'txn' ? [this.decide(op.request)] : []));
    return { succeeded, nested };
  }

  /** Runs the operations of a chosen branch in order, nested transactions in place along `path`. */
  runBranch(ops: readonly TxnOp[], path: TxnPath): TxnOpResult[] {
    let next = 0;
    return ops.map((op) => {
      if (op.type !== 'txn') return this.apply(op);
      const inner = path.nested[next++]!;
      const branch = inner.succeeded ? op.request.success : op.request.failure;
      return { type: 'txn', succeeded: inner.succeeded, results: this.runBranch(branch, inner) };
    });
  }

  /**
   * One compare. Over a span (etcd's range_end) every live key must satisfy it; no key at all compares as
   * an absent key, except that a value compare then fails (etcd's rule, also for one absent key when
   * `absentValueFails`).
   */
  private holds(c: Compare): boolean {
    if (c.span === undefined) {
      const head = this.liveHead(c.key);
      if (head === null && c.target === 'value' && c.absentValueFails) return false;
      return evaluateCompare(
        c,
        head,
        () => this.currentValue(c.key),
        () => this.view.leaseOf(c.key),
      );
    }
    const { rows, more } = this.view.scan(c.span, this.maxRangeKeys);
    if (more) throw new RangeTooLargeError(c.span, this.maxRangeKeys, 'compare smaller ranges');
    const live = rows.filter((r) => isLive(r, this.timeMs));
    if (live.length === 0) return c.target !== 'value' && evaluateCompare(c, null, () => null);
    return live.every((r) =>
      evaluateCompare(
        c,
        r,
        () => r.value,
        () => this.view.leaseOf(r.key),
      ),
    );
  }

  /** Records that an operation writes `key`; a second write of it in one transaction is refused. */
  private writes(key: string): void {
    if (this.written.has(key)) {
      throw new InvalidArgumentError(
        'txn',
        `"${key}" is written by two operations of the branches taken; a transaction writes a key at most once`,
      );
    }
    this.written.add(key);
  }

  /** The key's head as the branch sees it so far; null when absent or expired. */
  liveHead(key: string): KeyHead | null {
    if (this.local.has(key)) return this.local.get(key) ?? null;
    const head = this.view.head(key);
    return head !== null && isLive(head, this.timeMs) ? head : null;
  }

  /** The key's value as the branch sees it so far. */
  currentValue(key: string): Uint8Array | null {
    return this.local.has(key) ? (this.local.get(key)?.value ?? null) : this.view.value(key);
  }

  /** Runs one operation after those before it. */
  apply(op: Exclude<TxnOp, { type: 'txn' }>): TxnOpResult {
    switch (op.type) {
      case 'get':
        return { type: 'get', row: this.row(op.key) };
      case 'range':
        return this.range(op.span, op.limit);
      case 'set': {
        const { value, lease } = this.kept(op);
        return this.set(op.key, value, op.ttlMs, lease);
      }
      case 'delete':
        return this.delete(op.key);
      case 'deleteRange':
        return { type: 'deleteRange', deleted: this.deleteRange(op.span) };
    }
  }

  /** A put's value and lease: the key's current ones where it keeps them (a kept one needs the key). */
  private kept(op: Extract<TxnOp, { type: 'set' }>): { value: Uint8Array; lease: number } {
    if (!op.keepValue && !op.keepLease) return { value: op.value, lease: op.lease ?? 0 };
    const row = this.row(op.key);
    if (row === null) throw new KeyNotFoundError(op.key);
    return { value: op.keepValue ? row.value : op.value, lease: op.keepLease ? row.lease : (op.lease ?? 0) };
  }

  private row(key: string): KeyRow | null {
    const head = this.liveHead(key);
    if (head === null) return null;
    const lease = this.local.has(key) ? (this.local.get(key)?.lease ?? 0) : this.view.leaseOf(key);
    return { key, ...head, value: this.currentValue(key)!, lease };
  }

  private range(span: KeySpan, limit: number): TxnOpResult {
    const { rows, more } = this.view.scan(span, limit);
    const live = rows.filter((r) => !this.local.has(r.key) && isLive(r, this.timeMs));
    for (const [key, written] of this.local) if (written && spanContains(span, key)) live.push(written);
    live.sort((a, b) => compareKeys(a.key, b.key));
    return { type: 'range', rows: live.slice(0, limit), more: more || live.length > limit };
  }

  private set(key: string, value: Uint8Array, ttlMs: number | undefined, lease: number): TxnOpResult {
    this.writes(key);
    checkLeaseExists(this.view, lease);
    const head = this.local.has(key)
      ? (this.local.get(key) ?? null)
      : expireIfDue(key, this.view.head(key), this.timeMs, this.events);
    const expiresAt = ttlMs === undefined ? 0 : this.timeMs + ttlMs;
    const put = putEvent(key, value, expiresAt, head, this.revision, lease);
    this.events.push(put);
    this.local.set(key, {
      key,
      createRevision: put.createRevision,
      modRevision: this.revision,
      version: put.version,
      expiresAt,
      value,
      lease,
    });
    return { type: 'set', createRevision: put.createRevision, version: put.version, expiresAt };
  }

  /**
   * Deletes the span's keys as the branch sees them: a key an earlier operation deleted is gone already
   * (as in etcd, where the second delete deletes nothing).
   */
  private deleteRange(span: KeySpan): KeyRow[] {
    const { rows, more } = this.view.scan(span, this.maxRangeKeys);
    if (more) throw new RangeTooLargeError(span, this.maxRangeKeys);
    const deleted: KeyRow[] = [];
    for (const row of rows) {
      if (this.local.get(row.key) === null) continue;
      if (isLive(row, this.timeMs)) {
        this.writes(row.key);
        this.events.push({ type: 'delete', key: row.key, prevRevision: row.modRevision });
        deleted.push(row);
      } else {
        this.events.push({ type: 'expire', key: row.key, prevRevision: row.modRevision });
      }
      this.local.set(row.key, null);
    }
    return deleted;
  }

  private delete(key: string): TxnOpResult {
    const prev = this.row(key);
    if (prev !== null) this.writes(key);
    const raw = this.view.head(key);
    if (prev !== null) this.events.push({ type: 'delete', key, prevRevision: prev.modRevision });
    else if (raw !== null && !this.local.has(key))
      this.events.push({ type: 'expire', key, prevRevision: raw.modRevision });
    this.local.set(key, null);
    return { type: 'delete', deleted: prev !== null, prev };
  }
}

/** Counts the rows the answer will carry; throws {@link ResponseTooLargeError} past the budget. */
function measureAnswer(ops: readonly TxnOp[], results: readonly TxnOpResult[], answer: ResponseBudget): void {
  results.forEach((result, i) => {
    const op = ops[i]!;
    switch (result.type) {
      case 'get':
        if (result.row) answer.addRow(result.row.key, result.row.value);
        break;
      case 'range': {
        const withValues = !(op.type === 'range' && op.keysOnly);
        for (const row of result.rows) answer.addRow(row.key, withValues ? row.value : null);
        break;
      }
      case 'deleteRange':
        if (op.type === 'deleteRange' && op.prevKv)
          for (const row of result.deleted) answer.addRow(row.key, row.value);
        break;
      case 'set':
        answer.addRow(op.type === 'set' ? op.key : '', null);
        break;
      case 'delete':
        answer.add(0);
        break;
      case 'txn':
        if (op.type === 'txn') {
          const branch = result.succeeded ? op.request.success : op.request.failure;
          measureAnswer(branch, result.results, answer);
        }
        break;
    }
  });
}
