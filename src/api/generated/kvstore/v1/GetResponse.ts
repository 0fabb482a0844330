// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from '../../kvstore/v1/KeyValue.js';

/**
 * The key read, if it exists.
 */
export interface GetResponse {
  /**
   * header.revision: the revision the read answered at.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * Absent when the key does not exist (found = false).
   */
  'kv'?: (_kvstore_v1_KeyValue | null);
  /**
   * Whether the key exists (an expired key does not).
   */
  'found'?: (boolean);
}

/**
 * The key read, if it exists.
 */
export interface GetResponse__Output {
  /**
   * header.revision: the revision the read answered at.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * Absent when the key does not exist (found = false).
   */
  'kv': (_kvstore_v1_KeyValue__Output | null);
  /**
   * Whether the key exists (an expired key does not).
   */
  'found': (boolean);
}
