import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { KvStore } from '../store/kv-store.js';
import { decodePageToken, encodePageToken, spanOf, toKeyValue } from './convert.js';
import { conditionOf } from './convert-txn.js';
import type { DeleteRequest__Output } from './generated/kvstore/v1/DeleteRequest.js';
import type { DeleteResponse } from './generated/kvstore/v1/DeleteResponse.js';
import type { GetRequest__Output } from './generated/kvstore/v1/GetRequest.js';
import type { GetResponse } from './generated/kvstore/v1/GetResponse.js';
import type { KVHandlers } from './generated/kvstore/v1/KV.js';
import type { ListRequest__Output } from './generated/kvstore/v1/ListRequest.js';
import type { ListResponse } from './generated/kvstore/v1/ListResponse.js';
import type { SetRequest__Output } from './generated/kvstore/v1/SetRequest.js';
import type { SetResponse } from './generated/kvstore/v1/SetResponse.js';
import { afterCatchUp } from './read-consistency.js';
import type { HandlerContext } from './unary.js';
import { unary } from './unary.js';

const NO_VALUE = Buffer.alloc(0);

/** Handlers of the unary methods of kvstore.v1.KV (Watch is added by the watch service). */
export function kvHandlers(
  store: KvStore,
  ctx: HandlerContext,
  maxResponseBytes: number,
): Omit<KVHandlers, 'Watch'> & UntypedServiceImplementation {
  return {
    Get: unary<GetRequest__Output, GetResponse>('Get', ctx, (request) =>
      afterCatchUp(store, request.serializable, () => {
        const { revision, entry } = store.get(request.key);
        return entry
          ? { header: { revision }, kv: toKeyValue(entry), found: true }
          : { header: { revision }, kv: null, found: false };
      }),
    ),

    Set: unary<SetRequest__Output, SetResponse>('Set', ctx, async (request) => {
      const ttlMs = request._ttl_ms === 'ttl_ms' ? request.ttl_ms : undefined;
      const result = await store.set(request.key, request.value, {
        ttlMs,
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
    }),

    Delete: unary<DeleteRequest__Output, DeleteResponse>('Delete', ctx, async (request) => {
      const { revision, deleted } = await store.delete(request.key, conditionOf(request.condition));
      return { header: { revision }, deleted };
    }),

    List: unary<ListRequest__Output, ListResponse>('List', ctx, (request) =>
      afterCatchUp(store, request.serializable, () => list(request)),
    ),
  };

  function list(request: ListRequest__Output): ListResponse {
    const page = store.list({
      span: spanOf(request),
      limit: request.limit,
      after: decodePageToken(request.page_token),
      count: request.count,
      maxBytes: maxResponseBytes,
    });
    return {
      header: { revision: page.revision },
      kvs: page.entries.map((entry) => toKeyValue(entry, !request.keys_only)),
      next_page_token: page.next === undefined ? '' : encodePageToken(page.next),
      more: page.next !== undefined,
      count: page.count ?? 0,
    };
  }
}
