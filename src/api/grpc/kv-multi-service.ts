import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { KvOperations } from '../../service/kv-operations.js';
import type { RequestOpInput } from '../../service/types.js';
import type { DeleteManyRequest__Output } from '../generated/kvstore/v1/DeleteManyRequest.js';
import type { DeleteManyResponse } from '../generated/kvstore/v1/DeleteManyResponse.js';
import type { DeleteRangeRequest__Output } from '../generated/kvstore/v1/DeleteRangeRequest.js';
import type { DeleteRangeResponse } from '../generated/kvstore/v1/DeleteRangeResponse.js';
import type { GetManyRequest__Output } from '../generated/kvstore/v1/GetManyRequest.js';
import type { GetManyResponse } from '../generated/kvstore/v1/GetManyResponse.js';
import type { RequestOp__Output } from '../generated/kvstore/v1/RequestOp.js';
import type { SetManyRequest__Output } from '../generated/kvstore/v1/SetManyRequest.js';
import type { SetManyResponse } from '../generated/kvstore/v1/SetManyResponse.js';
import type { TxnRequest__Output } from '../generated/kvstore/v1/TxnRequest.js';
import type { TxnResponse } from '../generated/kvstore/v1/TxnResponse.js';
import { setInputOf } from './kv-service.js';
import type { HandlerContext } from './unary.js';
import { unary } from './unary.js';

/** Handlers of the multi-key methods of kvstore.v1.KV: batches, range deletes and transactions. */
export function kvMultiHandlers(ops: KvOperations, ctx: HandlerContext): UntypedServiceImplementation {
  return {
    SetMany: unary<SetManyRequest__Output, SetManyResponse>('SetMany', ctx, (request, access) =>
      ops.setMany(
        request.items.map((item) => ({
          key: item.key,
          value: item.value,
          ttl_ms: item._ttl_ms === 'ttl_ms' ? item.ttl_ms : undefined,
        })),
        access,
      ),
    ),
    GetMany: unary<GetManyRequest__Output, GetManyResponse>('GetMany', ctx, (request, access) =>
      ops.getMany(request, access),
    ),
    DeleteMany: unary<DeleteManyRequest__Output, DeleteManyResponse>('DeleteMany', ctx, (request, access) =>
      ops.deleteMany(request.keys, access),
    ),
    DeleteRange: unary<DeleteRangeRequest__Output, DeleteRangeResponse>(
      'DeleteRange',
      ctx,
      (request, access) => ops.deleteRange(request, access),
    ),
    Txn: unary<TxnRequest__Output, TxnResponse>('Txn', ctx, (request, access) =>
      ops.txn(
        {
          compare: request.compare,
          success: request.success.map(opInputOf),
          failure: request.failure.map(opInputOf),
        },
        access,
      ),
    ),
  };
}

/** A wire RequestOp with its Set's optional ttl_ms read by presence. */
function opInputOf(wire: RequestOp__Output): RequestOpInput {
  return wire.request === 'set' && wire.set ? { ...wire, set: setInputOf(wire.set) } : wire;
}
