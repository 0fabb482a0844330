import type { KvStore } from '../store/kv-store.js';
import { type Access, checkTxnAccess } from './access.js';
import {
  conditionOf,
  decodePageToken,
  encodePageToken,
  responseOpOf,
  rowKeyValue,
  spanOf,
  toKeyValue,
  txnRequestOf,
} from './convert.js';
import { afterCatchUp } from './read-consistency.js';
import type {
  DeleteInput,
  DeleteManyOutput,
  DeleteOutput,
  DeleteRangeInput,
  DeleteRangeOutput,
  GetInput,
  GetManyInput,
  GetManyOutput,
  GetOutput,
  ListInput,
  ListOutput,
  SetInput,
  SetManyItemInput,
  SetManyOutput,
  SetOutput,
  TxnInput,
  TxnOutput,
} from './types.js';

const NO_VALUE = Buffer.alloc(0);

/** Settings of the key-value operations that come from the server's configuration. */
export interface KvOperationsOptions {
  /** The largest List response built (values and keys together). */
  readonly maxResponseBytes: number;
  /** The limit of a Txn range that names none. */
  readonly defaultListLimit: number;
}

/**
 * The key-value operations, one per API method, for every transport: each checks the caller's access,
 * validates its request, asks the store and shapes the answer. Reads answer synchronously when they can (no promise on the hot path).
 */
export class KvOperations {
  constructor(
    private readonly store: KvStore,
    private readonly options: KvOperationsOptions,
  ) {}

  get(request: GetInput, access: Access): GetOutput | Promise<GetOutput> {
    access.checkKey('read', request.key);
    const store = this.store;
    return afterCatchUp(store, request.serializable, () => {
      const { revision, entry } = store.get(request.key);
      return entry
        ? { header: { revision }, kv: toKeyValue(entry), found: true }
        : { header: { revision }, kv: null, found: false };
    });
  }

  async set(request: SetInput, access: Access): Promise<SetOutput> {
    access.checkKey('write', request.key);
    const result = await this.store.set(request.key, request.value, {
      ttlMs: request.ttl_ms,
      condition: conditionOf(request.condition),
    });
    return {
      header: { revision: result.revision },
      kv: {
        key: request.key,
        value: NO_VALUE,
        create_revision: result.createRevision,
        mod_revision: result.revision,
        version: result.version,
        expires_at_ms: result.expiresAt,
      },
    };
  }

  async delete(request: DeleteInput, access: Access): Promise<DeleteOutput> {
    access.checkKey('write', request.key);
    const { revision, deleted } = await this.store.delete(request.key, conditionOf(request.condition));
    return { header: { revision }, deleted };
  }

  list(request: ListInput, access: Access): ListOutput | Promise<ListOutput> {
    const span = spanOf(request);
    access.checkSelector('read', span);
    return afterCatchUp(this.store, request.serializable, () => {
      const page = this.store.list({
        span,
        limit: request.limit,
        after: decodePageToken(request.page_token),
        count: request.count,
        maxBytes: this.options.maxResponseBytes,
      });
      return {
        header: { revision: page.revision },
        kvs: page.entries.map((entry) => toKeyValue(entry, !request.keys_only)),
        next_page_token: page.next === undefined ? '' : encodePageToken(page.next),
        more: page.next !== undefined,
        count: page.count ?? 0,
      };
    });
  }

  async setMany(items: readonly SetManyItemInput[], access: Access): Promise<SetManyOutput> {
    for (const item of items) access.checkKey('write', item.key);
    const result = await this.store.setMany(
      items.map((item) => ({ key: item.key, value: item.value, ttlMs: item.ttl_ms })),
    );
    return {
      header: { revision: result.revision },
      kvs: result.items.map((written, i) => ({
        key: items[i]!.key,
        value: NO_VALUE,
        create_revision: written.createRevision,
        mod_revision: result.revision,
        version: written.version,
        expires_at_ms: written.expiresAt,
      })),
    };
  }

  getMany(request: GetManyInput, access: Access): GetManyOutput | Promise<GetManyOutput> {
    for (const key of request.keys) access.checkKey('read', key);
    const store = this.store;
    return afterCatchUp(store, request.serializable, () => {
      const { revision, entries } = store.getMany(request.keys);
      return {
        header: { revision },
        results: entries.map((entry) =>
          entry
            ? { header: { revision }, kv: toKeyValue(entry), found: true }
            : { header: { revision }, kv: null, found: false },
        ),
      };
    });
  }

  async deleteMany(keys: readonly string[], access: Access): Promise<DeleteManyOutput> {
    for (const key of keys) access.checkKey('write', key);
    const { revision, deleted } = await this.store.deleteMany(keys);
    return { header: { revision }, deleted: [...deleted] };
  }

  async deleteRange(request: DeleteRangeInput, access: Access): Promise<DeleteRangeOutput> {
    const span = spanOf(request);
    access.checkSelector('write', span);
    if (request.prev_kv) access.checkSelector('read', span);
    const { revision, deleted } = await this.store.deleteRange(span, { prevKv: request.prev_kv });
    return {
      header: { revision },
      deleted: deleted.length,
      prev_kvs: request.prev_kv ? deleted.map((row) => rowKeyValue(row)) : [],
    };
  }

  async txn(request: TxnInput, access: Access): Promise<TxnOutput> {
    const txn = txnRequestOf(request, this.options.defaultListLimit);
    checkTxnAccess(access, txn);
    const result = await this.store.txn(txn);
    const ops = result.succeeded ? txn.success : txn.failure;
    return {
      header: { revision: result.revision },
      succeeded: result.succeeded,
      responses: result.results.map((r, i) => responseOpOf(r, ops[i]!, result.revision)),
    };
  }
}
