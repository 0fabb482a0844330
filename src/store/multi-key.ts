import type { KeySpan } from '../keys/key-order.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { isLive } from '../projections/key-entry.js';
import type { KeyState } from '../projections/key-state.js';
import { InvalidArgumentError } from './errors.js';
import type { Limits } from './limits.js';
import { validateKey, validateSpan, validateTtl, validateValue } from './limits.js';
import {
  deleteManyRecord,
  deleteRangeRecord,
  NothingToWrite,
  type PutItem,
  putManyRecord,
} from './record-builders.js';
import { ResponseBudget } from './response-budget.js';
import { type TxnRequest, type TxnResult, txnRecord } from './txn.js';
import { validateTxn } from './txn-validation.js';
import type { WritePath } from './write-path.js';
import type { KeyRow } from './write-view.js';

/** One item of {@link MultiKeyOps.setMany}. */
export interface SetManyItem {
  readonly key: string;
  readonly value: Uint8Array;
  readonly ttlMs?: number;
}

/** Result of a batch write: its revision and, per item, the version and create revision written. */
export interface SetManyResult {
  readonly revision: number;
  readonly items: readonly {
    readonly createRevision: number;
    readonly version: number;
    readonly expiresAt: number;
  }[];
}

/** Result of deletes: the revision (the current one when nothing existed) and what was deleted. */
export interface DeleteManyResult {
  readonly revision: number;
  readonly deleted: readonly string[];
}

/** Result of a range delete: the revision and the rows removed. */
export interface DeleteRangeResult {
  readonly revision: number;
  readonly deleted: readonly KeyRow[];
}

/**
 * Operations on several keys at once, each one record (one revision, all or nothing): batches, range
 * deletes and transactions. Their conditions are checked at the log's serialisation point, by the record
 * builders, so they hold for exactly the state the record follows.
 */
export class MultiKeyOps {
  constructor(
    private readonly writes: WritePath,
    private readonly state: KeyState,
    private readonly limits: Limits,
  ) {}

  /** Writes every item atomically as one revision; keys must be distinct. */
  async setMany(items: readonly SetManyItem[]): Promise<SetManyResult> {
    this.checkBatch(items.length, 'items');
    const seen = new Set<string>();
    const puts: PutItem[] = items.map((item, i) => {
      validateKey(item.key, this.limits, `items[${i}].key`);
      validateValue(item.value, this.limits, `items[${i}].value`);
      if (seen.has(item.key))
        throw new InvalidArgumentError(`items[${i}].key`, `"${item.key}" appears twice in the batch`);
      seen.add(item.key);
      const ttlMs =
        item.ttlMs === undefined ? undefined : validateTtl(item.ttlMs, this.limits, `items[${i}].ttl_ms`);
      return { key: item.key, value: item.value, ttlMs };
    });
    const record = await this.writes.append(putManyRecord(this.writes.view, puts));
    const byKey = new Map(record.events.filter((e) => e.type === 'put').map((e) => [e.key, e]));
    return {
      revision: record.revision,
      items: puts.map((p) => {
        const put = byKey.get(p.key)!;
        return {
          createRevision: put.type === 'put' ? put.createRevision : 0,
          version: put.type === 'put' ? put.version : 0,
          expiresAt: put.type === 'put' ? put.expiresAt : 0,
        };
      }),
    };
  }

  /** Reads several keys at one revision; an absent or expired key reads as undefined. */
  getMany(keys: readonly string[]): { revision: number; entries: (KeyEntry | undefined)[] } {
    this.checkBatch(keys.length, 'keys');
    for (const [i, k] of keys.entries()) validateKey(k, this.limits, `keys[${i}]`);
    const now = Date.now();
    const answer = new ResponseBudget(
      this.limits.maxResponseBytes,
      'GetMany',
      'Ask for fewer keys at a time.',
    );
    return {
      revision: this.state.revision,
      entries: keys.map((k) => {
        const entry = this.state.get(k);
        if (!entry || !isLive(entry, now)) return undefined;
        // A stored value holds one byte per character.
        answer.add(Buffer.byteLength(k, 'utf8') + entry.value.length);
        return entry;
      }),
    };
  }

  /** Deletes those of `keys` that exist, as one revision. */
  async deleteMany(keys: readonly string[]): Promise<DeleteManyResult> {
    this.checkBatch(keys.length, 'keys');
    for (const [i, k] of keys.entries()) validateKey(k, this.limits, `keys[${i}]`);
    const deleted = new Set<string>();
    try {
      const record = await this.writes.append(
        deleteManyRecord(this.writes.view, [...new Set(keys)], deleted),
      );
      return { revision: record.revision, deleted: [...deleted] };
    } catch (err) {
      if (err instanceof NothingToWrite) return { revision: this.state.revision, deleted: [] };
      throw err;
    }
  }

  /**
   * Deletes every key of a prefix or range as one revision (at most limits.maxRangeKeys keys). With
   * `prevKv` the answer carries the deleted values, so it must fit limits.maxResponseBytes: a larger one
   * is refused before anything is deleted.
   */
  async deleteRange(span: KeySpan, options: { readonly prevKv?: boolean } = {}): Promise<DeleteRangeResult> {
    validateSpan(span, this.limits);
    const deleted: KeyRow[] = [];
    const budget = options.prevKv
      ? () =>
          new ResponseBudget(
            this.limits.maxResponseBytes,
            'DeleteRange with prev_kv',
            'Delete in smaller ranges, or without prev_kv.',
          )
      : undefined;
    try {
      const record = await this.writes.append(
        deleteRangeRecord(this.writes.view, span, this.limits.maxRangeKeys, deleted, budget),
      );
      return { revision: record.revision, deleted };
    } catch (err) {
      if (err instanceof NothingToWrite) return { revision: this.state.revision, deleted: [] };
      throw err;
    }
  }

  /** Runs an etcd-style transaction as one revision. */
  async txn(request: TxnRequest): Promise<TxnResult> {
    validateTxn(request, this.limits);
    const out: { result?: TxnResult } = {};
    try {
      await this.writes.append(txnRecord(this.writes.view, request, this.limits, out));
    } catch (err) {
      if (!(err instanceof NothingToWrite)) throw err;
    }
    return out.result!;
  }

  private checkBatch(count: number, field: string): void {
    if (count === 0) throw new InvalidArgumentError(field, 'must not be empty');
    if (count > this.limits.maxBatchOps) {
      throw new InvalidArgumentError(
        field,
        `has ${count} entries, over the limit of ${this.limits.maxBatchOps} (limits.maxBatchOps)`,
      );
    }
  }
}
