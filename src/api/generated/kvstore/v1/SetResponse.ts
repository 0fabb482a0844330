// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from '../../kvstore/v1/KeyValue.js';

/**
 * The write's revision and the key's new metadata.
 */
export interface SetResponse {
  /**
   * header.revision: the revision of this write.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * The key as written, without its value.
   */
  'kv'?: (_kvstore_v1_KeyValue | null);
}

/**
 * The write's revision and the key's new metadata.
 */
export interface SetResponse__Output {
  /**
   * header.revision: the revision of this write.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * The key as written, without its value.
   */
  'kv': (_kvstore_v1_KeyValue__Output | null);
}
