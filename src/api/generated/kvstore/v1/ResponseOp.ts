// Original file: proto/kvstore/v1/kvstore.proto

import type { GetResponse as _kvstore_v1_GetResponse, GetResponse__Output as _kvstore_v1_GetResponse__Output } from '../../kvstore/v1/GetResponse.js';
import type { RangeResponse as _kvstore_v1_RangeResponse, RangeResponse__Output as _kvstore_v1_RangeResponse__Output } from '../../kvstore/v1/RangeResponse.js';
import type { SetResponse as _kvstore_v1_SetResponse, SetResponse__Output as _kvstore_v1_SetResponse__Output } from '../../kvstore/v1/SetResponse.js';
import type { DeleteResponse as _kvstore_v1_DeleteResponse, DeleteResponse__Output as _kvstore_v1_DeleteResponse__Output } from '../../kvstore/v1/DeleteResponse.js';
import type { DeleteRangeResponse as _kvstore_v1_DeleteRangeResponse, DeleteRangeResponse__Output as _kvstore_v1_DeleteRangeResponse__Output } from '../../kvstore/v1/DeleteRangeResponse.js';

/**
 * The answer to one RequestOp, of the same kind.
 */
export interface ResponseOp {
  /**
   * The answer to a get.
   */
  'get'?: (_kvstore_v1_GetResponse | null);
  /**
   * The answer to a range.
   */
  'range'?: (_kvstore_v1_RangeResponse | null);
  /**
   * The answer to a set.
   */
  'set'?: (_kvstore_v1_SetResponse | null);
  /**
   * The answer to a delete.
   */
  'delete'?: (_kvstore_v1_DeleteResponse | null);
  /**
   * The answer to a delete_range.
   */
  'delete_range'?: (_kvstore_v1_DeleteRangeResponse | null);
  'response'?: "get"|"range"|"set"|"delete"|"delete_range";
}

/**
 * The answer to one RequestOp, of the same kind.
 */
export interface ResponseOp__Output {
  /**
   * The answer to a get.
   */
  'get'?: (_kvstore_v1_GetResponse__Output | null);
  /**
   * The answer to a range.
   */
  'range'?: (_kvstore_v1_RangeResponse__Output | null);
  /**
   * The answer to a set.
   */
  'set'?: (_kvstore_v1_SetResponse__Output | null);
  /**
   * The answer to a delete.
   */
  'delete'?: (_kvstore_v1_DeleteResponse__Output | null);
  /**
   * The answer to a delete_range.
   */
  'delete_range'?: (_kvstore_v1_DeleteRangeResponse__Output | null);
  'response'?: "get"|"range"|"set"|"delete"|"delete_range";
}
