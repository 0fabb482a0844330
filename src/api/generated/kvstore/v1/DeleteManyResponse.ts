// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';

export interface DeleteManyResponse {
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * The keys that existed and were deleted.
   */
  'deleted'?: (string)[];
}

export interface DeleteManyResponse__Output {
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * The keys that existed and were deleted.
   */
  'deleted': (string)[];
}
