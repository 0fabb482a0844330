import type { KeySpan } from '../keys/key-order.js';
import { spanContains, spanStart } from '../keys/key-order.js';
import { InvalidArgumentError } from './errors.js';
import type { Limits } from './limits.js';
import { validateKey, validateSpan, validateTtl, validateValue } from './limits.js';
import { MAX_TXN_OPS, type TxnOp, type TxnRequest } from './txn.js';

/** Checks sizes, keys, values and TTLs, and that no key is written twice in a branch. */
export function validateTxn(request: TxnRequest, limits: Limits, at = ''): void {
  if (request.compares.length > MAX_TXN_OPS) {
    throw new InvalidArgumentError(
      `${at}compare`,
      `has ${request.compares.length} compares, over the limit of ${MAX_TXN_OPS}`,
    );
  }
  request.compares.forEach((c, i) => {
    if (c.span !== undefined) validateSpan(c.span, limits);
    else validateKey(c.key, limits, `${at}compare[${i}].key`);
  });
  const deletesMayOverlap = request.overlappingDeletes === true;
  validateBranch(`${at}success`, request.success, limits, deletesMayOverlap);
  validateBranch(`${at}failure`, request.failure, limits, deletesMayOverlap);
}

/** Checks one branch's operations, and that none writes a key another one of them writes. */
function validateBranch(
  name: string,
  ops: readonly TxnOp[],
  limits: Limits,
  deletesMayOverlap: boolean,
): void {
  if (ops.length > MAX_TXN_OPS) {
    throw new InvalidArgumentError(name, `has ${ops.length} operations, over the limit of ${MAX_TXN_OPS}`);
  }
  const written = new Map<string, number>();
  const spans: { span: KeySpan; at: number }[] = [];
  /** Single-key deletes, when they may overlap other deletes (then only puts are checked against them). */
  const deletes: { span: KeySpan; at: number }[] = [];
  ops.forEach((op, i) => {
    const field = `${name}[${i}]`;
    // A nested branch is checked on its own; what it writes beside this level is checked as it runs.
    if (op.type === 'txn') {
      validateTxn(op.request, limits, `${field}.`);
      return;
    }
    if (op.type === 'range' || op.type === 'deleteRange') validateSpan(op.span, limits);
    else validateKey(op.key, limits, `${field}.key`);
    if (op.type === 'set') {
      validateValue(op.value, limits, `${field}.value`);
      if (op.ttlMs !== undefined) validateTtl(op.ttlMs, limits, `${field}.ttl_ms`);
    }
    if (op.type === 'delete' && deletesMayOverlap) {
      deletes.push({ span: { kind: 'range', start: op.key, end: `${op.key}\0` }, at: i });
    } else if (op.type === 'set' || op.type === 'delete') {
      const before = written.get(op.key);
      if (before !== undefined) {
        throw new InvalidArgumentError(
          `${field}.key`,
          `"${op.key}" is already written by ${name}[${before}]; a transaction writes a key at most once`,
        );
      }
      written.set(op.key, i);
    }
    if (op.type === 'deleteRange') spans.push({ span: op.span, at: i });
  });
  for (const { span, at } of deletesMayOverlap ? [...spans, ...deletes] : spans) {
    for (const [key, i] of written) {
      if (spanContains(span, key)) {
        throw new InvalidArgumentError(
          `${name}[${i}].key`,
          `"${key}" is also deleted by ${name}[${at}]; a transaction writes a key at most once`,
        );
      }
    }
  }
  if (deletesMayOverlap) return;
  for (let a = 0; a < spans.length; a++) {
    for (let b = a + 1; b < spans.length; b++) {
      if (spansOverlap(spans[a]!.span, spans[b]!.span)) {
        throw new InvalidArgumentError(
          `${name}[${spans[b]!.at}]`,
          `overlaps ${name}[${spans[a]!.at}]; a transaction writes a key at most once`,
        );
      }
    }
  }
}

function spansOverlap(a: KeySpan, b: KeySpan): boolean {
  // A pattern is bounded by its literal prefix; treating it as that prefix may refuse a disjoint pair,
  // never accept an overlapping one.
  const bound = (s: KeySpan): KeySpan =>
    s.kind === 'pattern' ? { kind: 'prefix', prefix: s.pattern.prefix } : s;
  const x = bound(a);
  const y = bound(b);
  if (x.kind === 'prefix' && y.kind === 'prefix')
    return x.prefix.startsWith(y.prefix) || y.prefix.startsWith(x.prefix);
  // Two key sets ordered as intervals overlap iff one contains the other's first key.
  return spanContains(x, spanStart(y)) || spanContains(y, spanStart(x));
}
