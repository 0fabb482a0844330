import type { KeySpan } from '../keys/key-order.js';
import { spanContains } from '../keys/key-order.js';
import type { Compare } from '../store/conditions.js';
import { InvalidArgumentError } from '../store/errors.js';
import type { KvStore } from '../store/kv-store.js';
import type { TxnOp, TxnOpResult, TxnRequest } from '../store/txn.js';
import type { KeyRow } from '../store/write-view.js';
import type { WatchSelector } from '../streams/watch-filter.js';
import { ServiceError } from './errors.js';
import {
  ETCD_ERRORS,
  type EtcdCompareInput,
  type EtcdRangeInput,
  type EtcdRequestOpInput,
  type EtcdResponseOpOutput,
  type EtcdTxnInput,
  etcdKey,
  etcdKeyValue,
  etcdPutKey,
  etcdSelector,
  MAX_ETCD_TXN_OPS,
  shapeRange,
  UnsupportedError,
} from './etcd-operations.js';

/*
 * An etcd Txn as the store's transaction: etcd's request checks (op budget, duplicate keys across nested
 * branches), its compares (range_end, LEASE, the value rule) and its ops (nested Txn included) mapped onto
 * store operations, and the store's results shaped back into etcd's ResponseOps.
 */

type Limits = KvStore['limits'];

/** One etcd op of a Txn branch and where its store operations' results are. */
export interface PlannedOp {
  readonly kind: 'range' | 'put' | 'delete_range' | 'txn';
  readonly first: number;
  readonly range?: EtcdRangeInput;
  readonly prevKv: boolean;
  /** A nested Txn's planned branches. */
  readonly nested?: { readonly success: PlannedOp[]; readonly failure: PlannedOp[] };
}

/** A planned Txn: the store's request and, per branch, how to shape the answer. */
export interface TxnPlan {
  readonly request: TxnRequest;
  readonly success: PlannedOp[];
  readonly failure: PlannedOp[];
}

/** Checks an etcd Txn as etcd does, then maps it (and its nested Txns) onto the store's request. */
export function planEtcdTxn(request: EtcdTxnInput, limits: Limits): TxnPlan {
  checkTxnSize(request, MAX_ETCD_TXN_OPS);
  const plan = planTxn(request, limits, '');
  checkIntervals(plan.request.success);
  checkIntervals(plan.request.failure);
  return plan;
}

function planTxn(request: EtcdTxnInput, limits: Limits, at: string): TxnPlan {
  const compares = request.compare.map((c, i) => etcdCompare(c, `${at}compare[${i}]`, limits));
  const success = planBranch(request.success, `${at}success`, limits);
  const failure = planBranch(request.failure, `${at}failure`, limits);
  return {
    request: { compares, success: success.ops, failure: failure.ops },
    success: success.planned,
    failure: failure.planned,
  };
}

/**
 * etcd's size rule (checkTxnRequest): the most of compares, success and failure ops is at most the budget,
 * and a nested Txn gets what its parent left of it.
 */
function checkTxnSize(request: EtcdTxnInput, budget: number): void {
  const opc = Math.max(request.compare.length, request.success.length, request.failure.length);
  if (opc > budget) throw new ServiceError('INVALID_ARGUMENT', ETCD_ERRORS.tooManyOps);
  for (const c of request.compare) {
    if (c.key.length === 0) throw new ServiceError('INVALID_ARGUMENT', ETCD_ERRORS.emptyKey);
  }
  for (const op of [...request.success, ...request.failure]) {
    if (op.request === 'request_txn' && op.request_txn) checkTxnSize(op.request_txn, budget - opc);
  }
}

/** Maps a branch's etcd ops onto store ops (a put with prev_kv reads the key first, in the same txn). */
function planBranch(
  ops: readonly EtcdRequestOpInput[],
  branch: string,
  limits: Limits,
): { ops: TxnOp[]; planned: PlannedOp[] } {
  const out: TxnOp[] = [];
  const planned: PlannedOp[] = [];
  ops.forEach((op, i) => {
    const field = `${branch}[${i}]`;
    const first = out.length;
    if (op.request === 'request_range' && op.request_range) {
      const r = op.request_range;
      if (r.revision !== 0) {
        throw new UnsupportedError(
          `${field}.request_range.revision: a range at a past revision inside a Txn is not supported by kvstore; read it with Range`,
        );
      }
      const sel = etcdSelector(r.key, r.range_end, limits, {
        key: `${field}.request_range.key`,
        rangeEnd: `${field}.request_range.range_end`,
      });
      out.push(
        sel.kind === 'key'
          ? { type: 'get', key: sel.key }
          : { type: 'range', span: sel, limit: limits.maxRangeKeys, keysOnly: r.keys_only },
      );
      planned.push({ kind: 'range', first, range: r, prevKv: false });
    } else if (op.request === 'request_put' && op.request_put) {
      const p = op.request_put;
      const key = etcdPutKey(p, `${field}.request_put.key`, limits);
      if (p.ignore_value) {
        throw new UnsupportedError(
          `${field}.request_put.ignore_value: ignore_value inside a Txn is not supported by kvstore; use Put`,
        );
      }
      if (p.prev_kv) out.push({ type: 'get', key });
      out.push({ type: 'set', key, value: p.value });
      planned.push({ kind: 'put', first, prevKv: p.prev_kv });
    } else if (op.request === 'request_delete_range' && op.request_delete_range) {
      const d = op.request_delete_range;
      const sel = etcdSelector(d.key, d.range_end, limits, {
        key: `${field}.request_delete_range.key`,
        rangeEnd: `${field}.request_delete_range.range_end`,
      });
      out.push(
        sel.kind === 'key'
          ? { type: 'delete', key: sel.key }
          : { type: 'deleteRange', span: sel, prevKv: d.prev_kv },
      );
      planned.push({ kind: 'delete_range', first, prevKv: d.prev_kv });
    } else if (op.request === 'request_txn' && op.request_txn) {
      const nested = planTxn(op.request_txn, limits, `${field}.request_txn.`);
      out.push({ type: 'txn', request: nested.request });
      planned.push({
        kind: 'txn',
        first,
        prevKv: false,
        nested: { success: nested.success, failure: nested.failure },
      });
    } else {
      throw new InvalidArgumentError(
        field,
        'names no operation (request_range, request_put, request_delete_range or request_txn)',
      );
    }
  });
  return { ops: out, planned };
}

/**
 * etcd's duplicate rule (checkIntervals): across a branch and the nested Txns in it, no key is put twice
 * and no key put is also deleted, except that the two branches of one nested Txn may put the same key
 * (only one of them runs). Deletes may overlap each other.
 */
function checkIntervals(ops: readonly TxnOp[]): { puts: Set<string>; dels: WatchSelector[] } {
  const dels: WatchSelector[] = [];
  for (const op of ops) {
    if (op.type === 'delete') dels.push({ kind: 'key', key: op.key });
    else if (op.type === 'deleteRange') dels.push(op.span);
  }
  const deleted = (key: string) =>
    dels.some((d) => (d.kind === 'key' ? d.key === key : spanContains(d, key)));
  const duplicate = () => new ServiceError('INVALID_ARGUMENT', ETCD_ERRORS.duplicateKey);
  const puts = new Set<string>();
  for (const op of ops) {
    if (op.type !== 'txn') continue;
    const then = checkIntervals(op.request.success);
    const otherwise = checkIntervals(op.request.failure);
    for (const key of then.puts) {
      if (puts.has(key) || deleted(key)) throw duplicate();
      puts.add(key);
    }
    for (const key of otherwise.puts) {
      if ((puts.has(key) && !then.puts.has(key)) || deleted(key)) throw duplicate();
      puts.add(key);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (op.type !== 'set') continue;
    if (puts.has(op.key) || deleted(op.key)) throw duplicate();
    puts.add(op.key);
  }
  return { puts, dels };
}

/** The ResponseOps of the branch a Txn took, from the store's results. */
export function etcdTxnResponses(
  planned: readonly PlannedOp[],
  results: readonly TxnOpResult[],
  revision: number,
  maxResponseBytes: number,
): EtcdResponseOpOutput[] {
  return planned.map((p) => responseOf(p, results, revision, maxResponseBytes));
}

function responseOf(
  p: PlannedOp,
  results: readonly TxnOpResult[],
  revision: number,
  maxResponseBytes: number,
): EtcdResponseOpOutput {
  const header = { revision };
  const r = results[p.first];
  switch (p.kind) {
    case 'range': {
      let rows: KeyRow[] = [];
      let more = false;
      if (r?.type === 'get') rows = r.row ? [r.row] : [];
      else if (r?.type === 'range') ({ rows, more } = r);
      const shaped = shapeRange(rows, p.range!, revision, maxResponseBytes);
      return { response_range: more ? { ...shaped, more: true } : shaped };
    }
    case 'put': {
      const got = p.prevKv ? r : undefined;
      return {
        response_put: { header, prev_kv: got?.type === 'get' && got.row ? etcdKeyValue(got.row) : null },
      };
    }
    case 'delete_range': {
      if (r?.type === 'delete') {
        return {
          response_delete_range: {
            header,
            deleted: r.prev || r.deleted ? 1 : 0,
            prev_kvs: p.prevKv && r.prev ? [etcdKeyValue(r.prev)] : [],
          },
        };
      }
      const deleted = r?.type === 'deleteRange' ? r.deleted : [];
      return {
        response_delete_range: {
          header,
          deleted: deleted.length,
          prev_kvs: p.prevKv ? deleted.map((row) => etcdKeyValue(row)) : [],
        },
      };
    }
    case 'txn': {
      const succeeded = r?.type === 'txn' && r.succeeded;
      const inner = r?.type === 'txn' ? r.results : [];
      const branch = succeeded ? p.nested!.success : p.nested!.failure;
      return {
        response_txn: {
          header,
          succeeded,
          responses: etcdTxnResponses(branch, inner, revision, maxResponseBytes),
        },
      };
    }
  }
}

const COMPARE_OPS = {
  EQUAL: 'equal',
  NOT_EQUAL: 'notEqual',
  GREATER: 'greater',
  LESS: 'less',
} as const;

/**
 * An etcd Compare as the store's: with a range_end, over every key of the range (etcd's conventions for
 * range_end); a value compare on no key fails (etcd's rule); LEASE is decided here (no key ever holds a
 * lease: its lease is 0, also for an absent key or an empty range).
 */
function etcdCompare(c: EtcdCompareInput, field: string, limits: Limits): Compare {
  if (c.key.length === 0) throw new ServiceError('INVALID_ARGUMENT', ETCD_ERRORS.emptyKey);
  const selector = etcdSelector(c.key, c.range_end, limits, {
    key: `${field}.key`,
    rangeEnd: `${field}.range_end`,
  });
  const span: KeySpan | undefined = selector.kind === 'key' ? undefined : selector;
  const key = selector.kind === 'key' ? selector.key : etcdKey(c.key, `${field}.key`);
  const base = { key, span, absentValueFails: true };
  const op = COMPARE_OPS[c.result];
  switch (c.target) {
    case 'VERSION':
      return { ...base, target: 'version', op, operand: c.version ?? 0 };
    case 'CREATE':
      return { ...base, target: 'createRevision', op, operand: c.create_revision ?? 0 };
    case 'MOD':
      return { ...base, target: 'modRevision', op, operand: c.mod_revision ?? 0 };
    case 'VALUE':
      return { ...base, target: 'value', op, operand: c.value ?? EMPTY };
    case 'LEASE': {
      const lease = c.lease ?? 0;
      const holds =
        op === 'equal'
          ? lease === 0
          : op === 'notEqual'
            ? lease !== 0
            : op === 'greater'
              ? 0 > lease
              : 0 < lease;
      // The store's compares say the same: version >= 0 always holds, version < 0 never does.
      return holds
        ? { ...base, target: 'version', op: 'greater', operand: -1 }
        : { ...base, target: 'version', op: 'less', operand: 0 };
    }
  }
}

const EMPTY = Buffer.alloc(0);
