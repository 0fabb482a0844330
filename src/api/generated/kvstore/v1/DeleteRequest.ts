// Original file: proto/kvstore/v1/kvstore.proto

import type { Condition as _kvstore_v1_Condition, Condition__Output as _kvstore_v1_Condition__Output } from '../../kvstore/v1/Condition.js';

/**
 * Deletes one key.
 */
export interface DeleteRequest {
  /**
   * The key to delete.
   */
  'key'?: (string);
  /**
   * Delete only if this holds (see SetRequest.condition).
   */
  'condition'?: (_kvstore_v1_Condition | null);
}

/**
 * Deletes one key.
 */
export interface DeleteRequest__Output {
  /**
   * The key to delete.
   */
  'key': (string);
  /**
   * Delete only if this holds (see SetRequest.condition).
   */
  'condition': (_kvstore_v1_Condition__Output | null);
}
