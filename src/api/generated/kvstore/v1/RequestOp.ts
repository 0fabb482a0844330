// Original file: proto/kvstore/v1/kvstore.proto

import type { GetRequest as _kvstore_v1_GetRequest, GetRequest__Output as _kvstore_v1_GetRequest__Output } from '../../kvstore/v1/GetRequest.js';
import type { RangeRequest as _kvstore_v1_RangeRequest, RangeRequest__Output as _kvstore_v1_RangeRequest__Output } from '../../kvstore/v1/RangeRequest.js';
import type { SetRequest as _kvstore_v1_SetRequest, SetRequest__Output as _kvstore_v1_SetRequest__Output } from '../../kvstore/v1/SetRequest.js';
import type { DeleteRequest as _kvstore_v1_DeleteRequest, DeleteRequest__Output as _kvstore_v1_DeleteRequest__Output } from '../../kvstore/v1/DeleteRequest.js';
import type { DeleteRangeRequest as _kvstore_v1_DeleteRangeRequest, DeleteRangeRequest__Output as _kvstore_v1_DeleteRangeRequest__Output } from '../../kvstore/v1/DeleteRangeRequest.js';

export interface RequestOp {
  'get'?: (_kvstore_v1_GetRequest | null);
  'range'?: (_kvstore_v1_RangeRequest | null);
  'set'?: (_kvstore_v1_SetRequest | null);
  'delete'?: (_kvstore_v1_DeleteRequest | null);
  'delete_range'?: (_kvstore_v1_DeleteRangeRequest | null);
  'request'?: "get"|"range"|"set"|"delete"|"delete_range";
}

export interface RequestOp__Output {
  'get'?: (_kvstore_v1_GetRequest__Output | null);
  'range'?: (_kvstore_v1_RangeRequest__Output | null);
  'set'?: (_kvstore_v1_SetRequest__Output | null);
  'delete'?: (_kvstore_v1_DeleteRequest__Output | null);
  'delete_range'?: (_kvstore_v1_DeleteRangeRequest__Output | null);
  'request'?: "get"|"range"|"set"|"delete"|"delete_range";
}
