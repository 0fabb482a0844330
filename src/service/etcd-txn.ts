import type { KeySpan } from '../keys/key-order.js';
import { spanContains } from '../keys/key-order.js';
import type { Compare } from '../store/conditions.js';
import { InvalidArgumentError } from '../store/errors.js';
import type { KvStore } from '../store/kv-store.js';
import type { TxnOp, TxnOpResult, TxnRequest } from '../store/txn.js';
import type { KeyRow } from '../store/write-view.js';
import type { WatchSelector } from '../streams/watch-filter.js';
import { ServiceError } from './errors.js';
import type {
  EtcdCompareInput,
  EtcdRangeInput,
  EtcdRangeOutput,
  EtcdRequestOpInput,
  EtcdResponseOpOutput,
  EtcdTxnInput,
} from './etcd-messages.js';
import {
  ETCD_ERRORS,
  etcdKey,
  etcdKeyValue,
  etcdPutKey,
  etcdSelector,
  etcdSetOp,
  MAX_ETCD_TXN_OPS,
} from './etcd-operations.js';
import { checkRevisionField, shapeRange } from './etcd-range.js';

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
  /** A range at a past revision: answered from the state at that revision, not the store op's result. */
  readonly past?: { readonly selector: WatchSelector; readonly revision: number };
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

/**
 * Whether a range inside a Txn can be read at `revision` now: null, or etcd's error (future revision,
 * compacted), which refuses the Txn when the range is on the path its compares take.
 */
export type PastReadCheck = (revision: number) => Error | null;

/** Reads a Txn's range at a past revision, once the Txn has run (see {@link PlannedOp.past}). */
export type PastRead = (
  selector: WatchSelector,
  range: EtcdRangeInput,
  revision: number,
  headerRevision: number,
) => EtcdRangeOutput | Promise<EtcdRangeOutput>;

/** Checks an etcd Txn as etcd does, then maps it (and its nested Txns) onto the store's request. */
export function planEtcdTxn(request: EtcdTxnInput, limits: Limits, readable: PastReadCheck): TxnPlan {
  checkTxnSize(request, MAX_ETCD_TXN_OPS);
  const plan = planTxn(request, { limits, readable }, '');
  checkIntervals(plan.request.success);
  checkIntervals(plan.request.failure);
  return plan;
}

/** What planning a Txn needs: the limits, and whether a past revision can be read. */
interface PlanContext {
  readonly limits: Limits;
  readonly readable: PastReadCheck;
}

function planTxn(request: EtcdTxnInput, ctx: PlanContext, at: string): TxnPlan {
  const compares = request.compare.map((c, i) => etcdCompare(c, `${at}compare[${i}]`, ctx.limits));
  const success = planBranch(request.success, `${at}success`, ctx);
  const failure = planBranch(request.failure, `${at}failure`, ctx);
  const refuse = {
    ...(success.refusal ? { success: success.refusal } : {}),
    ...(failure.refusal ? { failure: failure.refusal } : {}),
  };
  return {
    request: {
      compares,
      success: success.ops,
      failure: failure.ops,
      overlappingDeletes: true,
      ...(success.refusal || failure.refusal ? { refuse } : {}),
    },
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

/**
 * Maps a branch's etcd ops onto store ops (a put with prev_kv reads the key first, in the same txn). A
 * range at a past revision also reads the current state (so access is checked as for any range) and is
 * answered from that revision after the Txn; the first one that cannot be read is the branch's refusal.
 */
function planBranch(
  ops: readonly EtcdRequestOpInput[],
  branch: string,
  ctx: PlanContext,
): { ops: TxnOp[]; planned: PlannedOp[]; refusal?: Error } {
  const limits = ctx.limits;
  const out: TxnOp[] = [];
  const planned: PlannedOp[] = [];
  let refusal: Error | undefined;
  ops.forEach((op, i) => {
    const field = `${branch}[${i}]`;
    const first = out.length;
    if (op.request === 'request_range' && op.request_range) {
      const r = op.request_range;
      checkRevisionField(r.revision, `${field}.request_range.revision`);
      if (r.revision !== 0) refusal ??= ctx.readable(r.revision) ?? undefined;
      const sel = etcdSelector(r.key, r.range_end, limits, {
        key: `${field}.request_range.key`,
        rangeEnd: `${field}.request_range.range_end`,
      });
      out.push(
        sel.kind === 'key'
          ? { type: 'get', key: sel.key }
          : { type: 'range', span: sel, limit: limits.maxRangeKeys, keysOnly: r.keys_only },
      );
      const past = r.revision === 0 ? undefined : { selector: sel, revision: r.revision };
      planned.push({ kind: 'range', first, range: r, prevKv: false, ...(past ? { past } : {}) });
    } else if (op.request === 'request_put' && op.request_put) {
      const p = op.request_put;
      const key = etcdPutKey(p, `${field}.request_put.key`, limits);
      if (p.prev_kv) out.push({ type: 'get', key });
      out.push(etcdSetOp(key, p));
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
      const nested = planTxn(op.request_txn, ctx, `${field}.request_txn.`);
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
  return { ops: out, planned, ...(refusal ? { refusal } : {}) };
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

/**
 * The ResponseOps of the branch a Txn took, from the store's results (and `pastRead` for past ranges).
 * Each op's header revision is etcd's: the Txn's own revision once something of it was written before or
 * by that op, the one before it until then (a range ahead of the first write, a delete that deleted nothing).
 */
export async function etcdTxnResponses(
  planned: readonly PlannedOp[],
  results: readonly TxnOpResult[],
  revision: number,
  maxResponseBytes: number,
  pastRead: PastRead,
): Promise<EtcdResponseOpOutput[]> {
  const begin = writesAny(planned, results) ? revision - 1 : revision;
  const walk = { revision, begin, wrote: false, maxResponseBytes, pastRead };
  return responsesOf(planned, results, walk);
}

/** Where a walk over a Txn's answers is: what it has written so far. */
interface ResponseWalk {
  readonly revision: number;
  readonly begin: number;
  wrote: boolean;
  readonly maxResponseBytes: number;
  readonly pastRead: PastRead;
}

/** Whether the branch taken wrote anything (a put, a delete that found a key, in a nested Txn too). */
function writesAny(planned: readonly PlannedOp[], results: readonly TxnOpResult[]): boolean {
  return planned.some((p) => {
    const r = results[p.first];
    if (p.kind === 'put') return true;
    if (p.kind === 'delete_range') return deletedRows(r) > 0;
    if (p.kind !== 'txn' || r?.type !== 'txn') return false;
    return writesAny(r.succeeded ? p.nested!.success : p.nested!.failure, r.results);
  });
}

function deletedRows(r: TxnOpResult | undefined): number {
  if (r?.type === 'delete') return r.prev || r.deleted ? 1 : 0;
  return r?.type === 'deleteRange' ? r.deleted.length : 0;
}

async function responsesOf(
  planned: readonly PlannedOp[],
  results: readonly TxnOpResult[],
  walk: ResponseWalk,
): Promise<EtcdResponseOpOutput[]> {
  const out: EtcdResponseOpOutput[] = [];
  for (const p of planned) out.push(await responseOf(p, results, walk));
  return out;
}

async function responseOf(
  p: PlannedOp,
  results: readonly TxnOpResult[],
  walk: ResponseWalk,
): Promise<EtcdResponseOpOutput> {
  const r = results[p.first];
  if (p.kind === 'put' || (p.kind === 'delete_range' && deletedRows(r) > 0)) walk.wrote = true;
  const revision = walk.wrote ? walk.revision : walk.begin;
  const header = { revision };
  switch (p.kind) {
    case 'range': {
      if (p.past) {
        return { response_range: await walk.pastRead(p.past.selector, p.range!, p.past.revision, revision) };
      }
      let rows: KeyRow[] = [];
      let more = false;
      if (r?.type === 'get') rows = r.row ? [r.row] : [];
      else if (r?.type === 'range') ({ rows, more } = r);
      const shaped = shapeRange(rows, p.range!, revision, walk.maxResponseBytes, (row) => row.lease);
      return { response_range: more ? { ...shaped, more: true } : shaped };
    }
    case 'put': {
      const got = p.prevKv ? r : undefined;
      return {
        response_put: {
          header,
          prev_kv: got?.type === 'get' && got.row ? etcdKeyValue(got.row, true, got.row.lease) : null,
        },
      };
    }
    case 'delete_range': {
      if (r?.type === 'delete') {
        return {
          response_delete_range: {
            header,
            deleted: deletedRows(r),
            prev_kvs: p.prevKv && r.prev ? [etcdKeyValue(r.prev, true, r.prev.lease)] : [],
          },
        };
      }
      const deleted = r?.type === 'deleteRange' ? r.deleted : [];
      return {
        response_delete_range: {
          header,
          deleted: deleted.length,
          prev_kvs: p.prevKv ? deleted.map((row) => etcdKeyValue(row, true, row.lease)) : [],
        },
      };
    }
    case 'txn': {
      const succeeded = r?.type === 'txn' && r.succeeded;
      const inner = r?.type === 'txn' ? r.results : [];
      const branch = succeeded ? p.nested!.success : p.nested!.failure;
      return { response_txn: { header, succeeded, responses: await responsesOf(branch, inner, walk) } };
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
 * range_end); a value compare on no key fails (etcd's rule); LEASE compares the key's lease ID (0: none,
 * also for an absent key or an empty range).
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
    case 'LEASE':
      return { ...base, target: 'lease', op, operand: c.lease ?? 0 };
  }
}

const EMPTY = Buffer.alloc(0);
