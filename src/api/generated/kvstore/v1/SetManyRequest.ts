// Original file: proto/kvstore/v1/kvstore.proto

import type { SetItem as _kvstore_v1_SetItem, SetItem__Output as _kvstore_v1_SetItem__Output } from '../../kvstore/v1/SetItem.js';

/**
 * Several keys to write as one revision.
 */
export interface SetManyRequest {
  /**
   * Distinct keys; at most limits.maxBatchOps (default 1000).
   */
  'items'?: (_kvstore_v1_SetItem)[];
}

/**
 * Several keys to write as one revision.
 */
export interface SetManyRequest__Output {
  /**
   * Distinct keys; at most limits.maxBatchOps (default 1000).
   */
  'items': (_kvstore_v1_SetItem__Output)[];
}
