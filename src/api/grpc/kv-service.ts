import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { KvOperations } from '../../service/kv-operations.js';
import type { DeleteRequest__Output } from '../generated/kvstore/v1/DeleteRequest.js';
import type { DeleteResponse } from '../generated/kvstore/v1/DeleteResponse.js';
import type { GetRequest__Output } from '../generated/kvstore/v1/GetRequest.js';
import type { GetResponse } from '../generated/kvstore/v1/GetResponse.js';
import type { KVHandlers } from '../generated/kvstore/v1/KV.js';
import type { ListRequest__Output } from '../generated/kvstore/v1/ListRequest.js';
import type { ListResponse } from '../generated/kvstore/v1/ListResponse.js';
import type { SetRequest__Output } from '../generated/kvstore/v1/SetRequest.js';
import type { SetResponse } from '../generated/kvstore/v1/SetResponse.js';
import type { HandlerContext } from './unary.js';
import { unary } from './unary.js';

/**
 * Handlers of the unary single-key methods of kvstore.v1.KV (Watch is added by the watch service): each
 * maps the wire request to the operation's (the rules live in src/service).
 */
export function kvHandlers(
  ops: KvOperations,
  ctx: HandlerContext,
): Omit<KVHandlers, 'Watch'> & UntypedServiceImplementation {
  return {
    Get: unary<GetRequest__Output, GetResponse>('Get', ctx, (request, access) => ops.get(request, access)),
    Set: unary<SetRequest__Output, SetResponse>('Set', ctx, (request, access) =>
      ops.set(setInputOf(request), access),
    ),
    Delete: unary<DeleteRequest__Output, DeleteResponse>('Delete', ctx, (request, access) =>
      ops.delete(request, access),
    ),
    List: unary<ListRequest__Output, ListResponse>('List', ctx, (request, access) =>
      ops.list(request, access),
    ),
  };
}

/** A wire SetRequest with its optional ttl_ms read by presence (absent: never expires). */
export function setInputOf(wire: SetRequest__Output) {
  return {
    key: wire.key,
    value: wire.value,
    ttl_ms: wire._ttl_ms === 'ttl_ms' ? wire.ttl_ms : undefined,
    condition: wire.condition,
  };
}
