import { isUtf8 } from 'node:buffer';
import type { KeySpan } from '../keys/key-order.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { storedValueBytes } from '../projections/key-entry.js';
import type { Compare, Condition } from '../store/conditions.js';
import { InvalidArgumentError } from '../store/errors.js';
import { parsePattern } from '../store/limits.js';
import type { TxnOp, TxnOpResult, TxnRequest } from '../store/txn.js';
import type { KeyRow } from '../store/write-view.js';
import type {
  CompareInput,
  ConditionInput,
  KeyValue,
  RequestOpInput,
  ResponseOpOutput,
  SpanInput,
  TxnInput,
} from './types.js';

const EMPTY = Buffer.alloc(0);

/** A key entry as the API returns it. */
export function toKeyValue(entry: KeyEntry, withValue = true): KeyValue {
  return {
    key: entry.key,
    value: withValue ? storedValueBytes(entry.value) : EMPTY,
    create_revision: entry.createRevision,
    mod_revision: entry.modRevision,
    version: entry.version,
    expires_at_ms: entry.expiresAt,
  };
}

/** A row read at the serialisation point, as the API returns it. */
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

/** The span of a request that names a prefix, a [start, end) range or a pattern (one of them). */
export function spanOf(request: SpanInput): KeySpan {
  if (request.pattern) {
    if (request.prefix !== '' || request.start !== '' || request.end !== '') {
      throw new InvalidArgumentError('pattern', 'cannot be combined with prefix or start/end');
    }
    return parsePattern(request.pattern);
  }
  if (request.start !== '' || request.end !== '') {
    if (request.prefix !== '') throw new InvalidArgumentError('prefix', 'cannot be combined with start/end');
    return { kind: 'range', start: request.start, end: request.end === '' ? null : request.end };
  }
  return { kind: 'prefix', prefix: request.prefix };
}

/**
 * List continuation tokens: opaque to clients, base64url of "k" + the last key returned. Keeping the key
 * (not an offset) makes the next page correct even when keys are inserted or deleted in between.
 */
export function encodePageToken(lastKey: string): string {
  return Buffer.from(`k${lastKey}`, 'utf8').toString('base64url');
}

export function decodePageToken(token: string): string | undefined {
  if (token === '') return undefined;
  const bytes = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url') : null;
  // A token that decodes to invalid UTF-8 was not issued here (and would resume at a U+FFFD key).
  const text = bytes && isUtf8(bytes) ? bytes.toString('utf8') : '';
  if (!text.startsWith('k') || text.length < 2) {
    throw new InvalidArgumentError(
      'page_token',
      'is not a token this server issued (pass next_page_token as is)',
    );
  }
  return text.slice(1);
}

/** A request's condition as the store's, or undefined when none was set. */
export function conditionOf(
  input: ConditionInput | null | undefined,
  field = 'condition',
): Condition | undefined {
  switch (input?.condition) {
    case undefined:
      return undefined;
    case 'absent':
      if (!input.absent) throw new InvalidArgumentError(`${field}.absent`, 'must be true when set');
      return { kind: 'absent' };
    case 'version':
      return { kind: 'version', version: nonNegative(input.version, `${field}.version`) };
    case 'mod_revision':
      return { kind: 'modRevision', modRevision: nonNegative(input.mod_revision, `${field}.mod_revision`) };
    case 'value':
      return { kind: 'value', value: input.value ?? EMPTY };
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

function compareOf(input: CompareInput, i: number): Compare {
  if (!input.target)
    throw new InvalidArgumentError(
      `compare[${i}]`,
      'names no target (version, create_revision, mod_revision or value)',
    );
  const op = RESULTS[input.result as keyof typeof RESULTS];
  if (!op)
    throw new InvalidArgumentError(
      `compare[${i}].result`,
      `"${input.result}" is not EQUAL, NOT_EQUAL, GREATER or LESS`,
    );
  const operand = input.target === 'value' ? (input.value ?? EMPTY) : (input[input.target] ?? 0);
  return { key: input.key, target: TARGETS[input.target], op, operand };
}

function opOf(input: RequestOpInput, field: string, defaultLimit: number): TxnOp {
  switch (input.request) {
    case 'get':
      return { type: 'get', key: input.get!.key };
    case 'range': {
      const r = input.range!;
      if (r.limit < 0)
        throw new InvalidArgumentError(`${field}.range.limit`, `is ${r.limit}; must be 0 or more`);
      return { type: 'range', span: spanOf(r), limit: r.limit || defaultLimit, keysOnly: r.keys_only };
    }
    case 'set': {
      const s = input.set!;
      if (s.condition?.condition)
        throw new InvalidArgumentError(
          `${field}.set.condition`,
          'is not allowed in a transaction (use compares)',
        );
      return { type: 'set', key: s.key, value: s.value, ttlMs: s.ttl_ms };
    }
    case 'delete': {
      const d = input.delete!;
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
        span: spanOf(input.delete_range!),
        prevKv: input.delete_range!.prev_kv,
      };
    default:
      throw new InvalidArgumentError(field, 'holds no operation (get, range, set, delete or delete_range)');
  }
}

/** A Txn request as the store's. */
export function txnRequestOf(input: TxnInput, defaultLimit: number): TxnRequest {
  return {
    compares: input.compare.map(compareOf),
    success: input.success.map((op, i) => opOf(op, `success[${i}]`, defaultLimit)),
    failure: input.failure.map((op, i) => opOf(op, `failure[${i}]`, defaultLimit)),
  };
}

/** One operation's result as the API returns it. */
export function responseOpOf(result: TxnOpResult, op: TxnOp, revision: number): ResponseOpOutput {
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
    case 'txn':
      // kvstore.v1 has no nested transactions; only the etcd API builds them (etcd-operations.ts).
      throw new Error('a nested transaction result has no kvstore.v1 form');
  }
}
