// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';

/**
 * Whether a key was deleted.
 */
export interface DeleteResponse {
  /**
   * header.revision: the revision of the delete, or the current revision when nothing was deleted.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * False when the key did not exist; nothing was written then.
   */
  'deleted'?: (boolean);
}

/**
 * Whether a key was deleted.
 */
export interface DeleteResponse__Output {
  /**
   * header.revision: the revision of the delete, or the current revision when nothing was deleted.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * False when the key did not exist; nothing was written then.
   */
  'deleted': (boolean);
}
