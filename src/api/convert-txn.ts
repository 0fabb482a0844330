import type { Compare, Condition } from '../store/conditions.js';
import { InvalidArgumentError } from '../store/errors.js';
import type { TxnOp, TxnOpResult, TxnRequest } from '../store/txn.js';
import type { KeyRow } from '../store/write-view.js';
import { spanOf } from './convert.js';
import type { Compare__Output } from './generated/kvstore/v1/Compare.js';
import type { Condition__Output } from './generated/kvstore/v1/Condition.js';
import type { KeyValue } from './generated/kvstore/v1/KeyValue.js';
import type { RequestOp__Output } from './generated/kvstore/v1/RequestOp.js';
import type { ResponseOp } from './generated/kvstore/v1/ResponseOp.js';
import type { TxnRequest__Output } from './generated/kvstore/v1/TxnRequest.js';

const EMPTY = Buffer.alloc(0);

/** A wire Condition as the store's, or undefined when none was set. */
export function conditionOf(wire: Condition__Output | null, field = 'condition'): Condition | undefined {
  switch (wire?.condition) {
    case undefined:
      return undefined;
    case 'absent':
      if (!wire.absent) throw new InvalidArgumentError(`${field}.absent`, 'must be true when set');
      return { kind: 'absent' };
    case 'version':
      return { kind: 'version', version: nonNegative(wire.version, `${field}.version`) };
    case 'mod_revision':
      return { kind: 'modRevision', modRevision: nonNegative(wire.mod_revision, `${field}.mod_revision`) };
    case 'value':
      return { kind: 'value', value: wire.value ?? EMPTY };
  }
}

function nonNegative(n: number | undefined, field: string): number {
  if (n === undefined || !Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(field, `is ${n}; must be 0 or more`);
  return n;
}

const RESULTS = { EQUAL: 'equal', NOT_EQUAL: 'notEqual', GREATER: 'greater', LESS: 'less' } as const;
const TARGETS = {
  version: 'version',
  create_revision: 'createRevision',
  mod_revision: 'modRevision',
  value: 'value',
} as const;

function compareOf(wire: Compare__Output, i: number): Compare {
  if (!wire.target)
    throw new InvalidArgumentError(
      `compare[${i}]`,
      'names no target (version, create_revision, mod_revision or value)',
    );
  const op = RESULTS[wire.result as keyof typeof RESULTS];
  if (!op)
    throw new InvalidArgumentError(
      `compare[${i}].result`,
      `"${wire.result}" is not EQUAL, NOT_EQUAL, GREATER or LESS`,
    );
  const operand = wire.target === 'value' ? (wire.value ?? EMPTY) : (wire[wire.target] ?? 0);
  return { key: wire.key, target: TARGETS[wire.target], op, operand };
}

function opOf(wire: RequestOp__Output, field: string, defaultLimit: number): TxnOp {
  switch (wire.request) {
    case 'get':
      return { type: 'get', key: wire.get!.key };
    case 'range': {
      const r = wire.range!;
      if (r.limit < 0)
        throw new InvalidArgumentError(`${field}.range.limit`, `is ${r.limit}; must be 0 or more`);
      return { type: 'range', span: spanOf(r), limit: r.limit || defaultLimit, keysOnly: r.keys_only };
    }
    case 'set': {
      const s = wire.set!;
      if (s.condition?.condition)
        throw new InvalidArgumentError(
          `${field}.set.condition`,
          'is not allowed in a transaction (use compares)',
        );
      return {
        type: 'set',
        key: s.key,
        value: s.value,
        ttlMs: s._ttl_ms === 'ttl_ms' ? s.ttl_ms : undefined,
      };
    }
    case 'delete': {
      const d = wire.delete!;
      if (d.condition?.condition)
        throw new InvalidArgumentError(
          `${field}.delete.condition`,
          'is not allowed in a transaction (use compares)',
        );
      return { type: 'delete', key: d.key };
    }
    case 'delete_range':
      return {
        type: 'deleteRange',
        span: spanOf(wire.delete_range!),
        prevKv: wire.delete_range!.prev_kv,
      };
    default:
      throw new InvalidArgumentError(field, 'holds no operation (get, range, set, delete or delete_range)');
  }
}

/** A wire TxnRequest as the store's. */
export function txnRequestOf(wire: TxnRequest__Output, defaultLimit: number): TxnRequest {
  return {
    compares: wire.compare.map(compareOf),
    success: wire.success.map((op, i) => opOf(op, `success[${i}]`, defaultLimit)),
    failure: wire.failure.map((op, i) => opOf(op, `failure[${i}]`, defaultLimit)),
  };
}

/** A row read at the serialisation point, as a wire KeyValue. */
export function rowKeyValue(row: KeyRow, withValue = true): KeyValue {
  return {
    key: row.key,
    value: withValue ? Buffer.from(row.value.buffer, row.value.byteOffset, row.value.byteLength) : EMPTY,
    create_revision: row.createRevision,
    mod_revision: row.modRevision,
    version: row.version,
    expires_at_ms: row.expiresAt,
  };
}

/** One operation's result as a wire ResponseOp. */
export function responseOpOf(result: TxnOpResult, op: TxnOp, revision: number): ResponseOp {
  const header = { revision };
  switch (result.type) {
    case 'get':
      return {
        get: result.row
          ? { header, kv: rowKeyValue(result.row), found: true }
          : { header, kv: null, found: false },
      };
    case 'range':
      return {
        range: {
          kvs: result.rows.map((r) => rowKeyValue(r, !(op.type === 'range' && op.keysOnly))),
          more: result.more,
        },
      };
    case 'set':
      return {
        set: {
          header,
          kv: {
            key: op.type === 'set' ? op.key : '',
            value: EMPTY,
            create_revision: result.createRevision,
            mod_revision: revision,
            version: result.version,
            expires_at_ms: result.expiresAt,
          },
        },
      };
    case 'delete':
      return { delete: { header, deleted: result.deleted } };
    case 'deleteRange':
      return {
        delete_range: {
          header,
          deleted: result.deleted.length,
          prev_kvs: op.type === 'deleteRange' && op.prevKv ? result.deleted.map((r) => rowKeyValue(r)) : [],
        },
      };
  }
}
