// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';

/**
 * The keys that were deleted.
 */
export interface DeleteManyResponse {
  /**
   * header.revision: the revision of the delete, or the current revision when none existed.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * The keys that existed and were deleted.
   */
  'deleted'?: (string)[];
}

/**
 * The keys that were deleted.
 */
export interface DeleteManyResponse__Output {
  /**
   * header.revision: the revision of the delete, or the current revision when none existed.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * The keys that existed and were deleted.
   */
  'deleted': (string)[];
}
