import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { KvStore } from '../store/kv-store.js';
import { spanOf, toKeyValue } from './convert.js';
import { responseOpOf, rowKeyValue, txnRequestOf } from './convert-txn.js';
import type { DeleteManyRequest__Output } from './generated/kvstore/v1/DeleteManyRequest.js';
import type { DeleteManyResponse } from './generated/kvstore/v1/DeleteManyResponse.js';
import type { DeleteRangeRequest__Output } from './generated/kvstore/v1/DeleteRangeRequest.js';
import type { DeleteRangeResponse } from './generated/kvstore/v1/DeleteRangeResponse.js';
import type { GetManyRequest__Output } from './generated/kvstore/v1/GetManyRequest.js';
import type { GetManyResponse } from './generated/kvstore/v1/GetManyResponse.js';
import type { SetManyRequest__Output } from './generated/kvstore/v1/SetManyRequest.js';
import type { SetManyResponse } from './generated/kvstore/v1/SetManyResponse.js';
import type { TxnRequest__Output } from './generated/kvstore/v1/TxnRequest.js';
import type { TxnResponse } from './generated/kvstore/v1/TxnResponse.js';
import { afterCatchUp } from './read-consistency.js';
import type { HandlerContext } from './unary.js';
import { unary } from './unary.js';

const NO_VALUE = Buffer.alloc(0);

/** Handlers of the multi-key methods of kvstore.v1.KV: batches, range deletes and transactions. */
export function kvMultiHandlers(
  store: KvStore,
  ctx: HandlerContext,
  defaultListLimit: number,
): UntypedServiceImplementation {
  return {
    SetMany: unary<SetManyRequest__Output, SetManyResponse>('SetMany', ctx, async (request) => {
      const result = await store.setMany(
        request.items.map((item) => ({
          key: item.key,
          value: item.value,
          ttlMs: item._ttl_ms === 'ttl_ms' ? item.ttl_ms : undefined,
        })),
      );
      return {
        header: { revision: result.revision },
        kvs: result.items.map((written, i) => ({
          key: request.items[i]!.key,
          value: NO_VALUE,
          create_revision: written.createRevision,
          mod_revision: result.revision,
          version: written.version,
          expires_at_ms: written.expiresAt,
        })),
      };
    }),

    GetMany: unary<GetManyRequest__Output, GetManyResponse>('GetMany', ctx, (request) =>
      afterCatchUp(store, request.serializable, () => {
        const { revision, entries } = store.getMany(request.keys);
        return {
          header: { revision },
          results: entries.map((entry) =>
            entry
              ? { header: { revision }, kv: toKeyValue(entry), found: true }
              : { header: { revision }, kv: null, found: false },
          ),
        };
      }),
    ),

    DeleteMany: unary<DeleteManyRequest__Output, DeleteManyResponse>('DeleteMany', ctx, async (request) => {
      const { revision, deleted } = await store.deleteMany(request.keys);
      return { header: { revision }, deleted: [...deleted] };
    }),

    DeleteRange: unary<DeleteRangeRequest__Output, DeleteRangeResponse>(
      'DeleteRange',
      ctx,
      async (request) => {
        const { revision, deleted } = await store.deleteRange(spanOf(request), { prevKv: request.prev_kv });
        return {
          header: { revision },
          deleted: deleted.length,
          prev_kvs: request.prev_kv ? deleted.map((row) => rowKeyValue(row)) : [],
        };
      },
    ),

    Txn: unary<TxnRequest__Output, TxnResponse>('Txn', ctx, async (request) => {
      const txn = txnRequestOf(request, defaultListLimit);
      const result = await store.txn(txn);
      const ops = result.succeeded ? txn.success : txn.failure;
      return {
        header: { revision: result.revision },
        succeeded: result.succeeded,
        responses: result.results.map((r, i) => responseOpOf(r, ops[i]!, result.revision)),
      };
    }),
  };
}
