import type { ResponseOp__Output } from '../api/generated/kvstore/v1/ResponseOp.js';
import type { TxnResponse__Output } from '../api/generated/kvstore/v1/TxnResponse.js';
import {
  conditionToWire,
  fromWireKv,
  fromWireMeta,
  type KeyMeta,
  type KeyValue,
  type Selector,
  selectorToWire,
  toBuffer,
  type Value,
  type WriteCondition,
} from './types.js';

/** Comparison operators of a compare, as etcd's. */
export type CompareOp = '=' | '!=' | '>' | '<';

const RESULT: Readonly<Record<CompareOp, string>> = {
  '=': 'EQUAL',
  '!=': 'NOT_EQUAL',
  '>': 'GREATER',
  '<': 'LESS',
};

/** One compare of a transaction (build with {@link compare}). */
export interface Compare {
  readonly wire: Record<string, unknown>;
}

/**
 * Compares for {@link TxnBuilder.if}. An absent key has version, createRevision and modRevision 0 and no
 * value (a value compare against it holds only for "!=").
 */
export const compare = {
  version: (key: string, op: CompareOp, version: number): Compare => ({
    wire: { key, result: RESULT[op], version },
  }),
  createRevision: (key: string, op: CompareOp, revision: number): Compare => ({
    wire: { key, result: RESULT[op], create_revision: revision },
  }),
  modRevision: (key: string, op: CompareOp, revision: number): Compare => ({
    wire: { key, result: RESULT[op], mod_revision: revision },
  }),
  value: (key: string, op: CompareOp, value: Value): Compare => ({
    wire: { key, result: RESULT[op], value: toBuffer(value) },
  }),
  /** The key does not exist (version = 0). */
  absent: (key: string): Compare => ({ wire: { key, result: 'EQUAL', version: 0 } }),
};

/** One operation of a transaction branch (build with {@link op}). */
export interface TxnOp {
  readonly wire: Record<string, unknown>;
}

/** Operations for {@link TxnBuilder.onSuccess} and {@link TxnBuilder.onFailure}. */
export const op = {
  get: (key: string): TxnOp => ({ wire: { get: { key } } }),
  range: (
    selector: Exclude<Selector, { key: string }>,
    options: { limit?: number; keysOnly?: boolean } = {},
  ): TxnOp => ({
    wire: {
      range: { ...selectorToWire(selector), limit: options.limit ?? 0, keys_only: options.keysOnly ?? false },
    },
  }),
  set: (key: string, value: Value, options: { ttlMs?: number } & WriteCondition = {}): TxnOp => ({
    wire: {
      set: {
        key,
        value: toBuffer(value),
        ...(options.ttlMs === undefined ? {} : { ttl_ms: options.ttlMs }),
        condition: conditionToWire(options),
      },
    },
  }),
  delete: (key: string, condition: WriteCondition = {}): TxnOp => ({
    wire: { delete: { key, condition: conditionToWire(condition) } },
  }),
  deleteRange: (selector: Exclude<Selector, { key: string }>, options: { prevKv?: boolean } = {}): TxnOp => ({
    wire: { delete_range: { ...selectorToWire(selector), prev_kv: options.prevKv ?? false } },
  }),
};

/** The result of one operation of the branch that ran, in order. */
export type TxnOpResult =
  | { readonly type: 'get'; readonly kv: KeyValue | null }
  | { readonly type: 'range'; readonly kvs: KeyValue[]; readonly more: boolean }
  | { readonly type: 'set'; readonly kv: KeyMeta }
  | { readonly type: 'delete'; readonly deleted: boolean }
  | { readonly type: 'deleteRange'; readonly deleted: number; readonly prevKvs: KeyValue[] };

export interface TxnResult {
  /** Whether every compare held (the onSuccess branch ran) or not (the onFailure branch ran). */
  readonly succeeded: boolean;
  /** The transaction's revision when it wrote, else the revision it read at. */
  readonly revision: number;
  readonly results: TxnOpResult[];
}

export function fromWireTxn(r: TxnResponse__Output): TxnResult {
  return {
    succeeded: r.succeeded,
    revision: r.header?.revision ?? 0,
    results: r.responses.map(fromWireOp),
  };
}

function fromWireOp(r: ResponseOp__Output): TxnOpResult {
  if (r.get) return { type: 'get', kv: r.get.found && r.get.kv ? fromWireKv(r.get.kv) : null };
  if (r.range) return { type: 'range', kvs: r.range.kvs.map(fromWireKv), more: r.range.more };
  if (r.set) return { type: 'set', kv: fromWireMeta(r.set.kv!) };
  if (r.delete) return { type: 'delete', deleted: r.delete.deleted };
  if (r.delete_range) {
    return {
      type: 'deleteRange',
      deleted: r.delete_range.deleted,
      prevKvs: r.delete_range.prev_kvs.map(fromWireKv),
    };
  }
  throw new Error('transaction response with an unknown operation');
}

/** `client.txn().if(...).onSuccess(...).onFailure(...).commit()`: etcd's transaction, one revision. */
export class TxnBuilder {
  private readonly compares: Compare[] = [];
  private readonly success: TxnOp[] = [];
  private readonly failure: TxnOp[] = [];

  constructor(private readonly run: (request: Record<string, unknown>) => Promise<TxnResult>) {}

  if(...compares: Compare[]): this {
    this.compares.push(...compares);
    return this;
  }

  /** The operations run when every compare holds (etcd's "then"; not named so, to stay non-thenable). */
  onSuccess(...ops: TxnOp[]): this {
    this.success.push(...ops);
    return this;
  }

  /** The operations run when a compare does not hold (etcd's "else"). */
  onFailure(...ops: TxnOp[]): this {
    this.failure.push(...ops);
    return this;
  }

  /** Sends the transaction (a write: never retried once sent, see docs/client.md). */
  commit(): Promise<TxnResult> {
    return this.run({
      compare: this.compares.map((c) => c.wire),
      success: this.success.map((o) => o.wire),
      failure: this.failure.map((o) => o.wire),
    });
  }
}
