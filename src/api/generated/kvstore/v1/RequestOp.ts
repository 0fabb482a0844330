// Original file: proto/kvstore/v1/kvstore.proto

import type { GetRequest as _kvstore_v1_GetRequest, GetRequest__Output as _kvstore_v1_GetRequest__Output } from '../../kvstore/v1/GetRequest.js';
import type { RangeRequest as _kvstore_v1_RangeRequest, RangeRequest__Output as _kvstore_v1_RangeRequest__Output } from '../../kvstore/v1/RangeRequest.js';
import type { SetRequest as _kvstore_v1_SetRequest, SetRequest__Output as _kvstore_v1_SetRequest__Output } from '../../kvstore/v1/SetRequest.js';
import type { DeleteRequest as _kvstore_v1_DeleteRequest, DeleteRequest__Output as _kvstore_v1_DeleteRequest__Output } from '../../kvstore/v1/DeleteRequest.js';
import type { DeleteRangeRequest as _kvstore_v1_DeleteRangeRequest, DeleteRangeRequest__Output as _kvstore_v1_DeleteRangeRequest__Output } from '../../kvstore/v1/DeleteRangeRequest.js';

/**
 * One operation of a Txn branch.
 */
export interface RequestOp {
  /**
   * Read one key.
   */
  'get'?: (_kvstore_v1_GetRequest | null);
  /**
   * Read several keys.
   */
  'range'?: (_kvstore_v1_RangeRequest | null);
  /**
   * Write one key (its condition must be empty: use the Txn's compares).
   */
  'set'?: (_kvstore_v1_SetRequest | null);
  /**
   * Delete one key (its condition must be empty: use the Txn's compares).
   */
  'delete'?: (_kvstore_v1_DeleteRequest | null);
  /**
   * Delete a prefix, range or pattern.
   */
  'delete_range'?: (_kvstore_v1_DeleteRangeRequest | null);
  'request'?: "get"|"range"|"set"|"delete"|"delete_range";
}

/**
 * One operation of a Txn branch.
 */
export interface RequestOp__Output {
  /**
   * Read one key.
   */
  'get'?: (_kvstore_v1_GetRequest__Output | null);
  /**
   * Read several keys.
   */
  'range'?: (_kvstore_v1_RangeRequest__Output | null);
  /**
   * Write one key (its condition must be empty: use the Txn's compares).
   */
  'set'?: (_kvstore_v1_SetRequest__Output | null);
  /**
   * Delete one key (its condition must be empty: use the Txn's compares).
   */
  'delete'?: (_kvstore_v1_DeleteRequest__Output | null);
  /**
   * Delete a prefix, range or pattern.
   */
  'delete_range'?: (_kvstore_v1_DeleteRangeRequest__Output | null);
  'request'?: "get"|"range"|"set"|"delete"|"delete_range";
}
