// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';

export interface DeleteResponse {
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * False when the key did not exist; nothing was written then.
   */
  'deleted'?: (boolean);
}

export interface DeleteResponse__Output {
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * False when the key did not exist; nothing was written then.
   */
  'deleted': (boolean);
}
