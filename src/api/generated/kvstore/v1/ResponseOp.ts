// Original file: proto/kvstore/v1/kvstore.proto

import type { GetResponse as _kvstore_v1_GetResponse, GetResponse__Output as _kvstore_v1_GetResponse__Output } from '../../kvstore/v1/GetResponse.js';
import type { RangeResponse as _kvstore_v1_RangeResponse, RangeResponse__Output as _kvstore_v1_RangeResponse__Output } from '../../kvstore/v1/RangeResponse.js';
import type { SetResponse as _kvstore_v1_SetResponse, SetResponse__Output as _kvstore_v1_SetResponse__Output } from '../../kvstore/v1/SetResponse.js';
import type { DeleteResponse as _kvstore_v1_DeleteResponse, DeleteResponse__Output as _kvstore_v1_DeleteResponse__Output } from '../../kvstore/v1/DeleteResponse.js';
import type { DeleteRangeResponse as _kvstore_v1_DeleteRangeResponse, DeleteRangeResponse__Output as _kvstore_v1_DeleteRangeResponse__Output } from '../../kvstore/v1/DeleteRangeResponse.js';

export interface ResponseOp {
  'get'?: (_kvstore_v1_GetResponse | null);
  'range'?: (_kvstore_v1_RangeResponse | null);
  'set'?: (_kvstore_v1_SetResponse | null);
  'delete'?: (_kvstore_v1_DeleteResponse | null);
  'delete_range'?: (_kvstore_v1_DeleteRangeResponse | null);
  'response'?: "get"|"range"|"set"|"delete"|"delete_range";
}

export interface ResponseOp__Output {
  'get'?: (_kvstore_v1_GetResponse__Output | null);
  'range'?: (_kvstore_v1_RangeResponse__Output | null);
  'set'?: (_kvstore_v1_SetResponse__Output | null);
  'delete'?: (_kvstore_v1_DeleteResponse__Output | null);
  'delete_range'?: (_kvstore_v1_DeleteRangeResponse__Output | null);
  'response'?: "get"|"range"|"set"|"delete"|"delete_range";
}
