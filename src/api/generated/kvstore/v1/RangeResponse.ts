// Original file: proto/kvstore/v1/kvstore.proto

import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from '../../kvstore/v1/KeyValue.js';

/**
 * The keys a RangeRequest read.
 */
export interface RangeResponse {
  /**
   * The keys, in UTF-8 byte order.
   */
  'kvs'?: (_kvstore_v1_KeyValue)[];
  /**
   * True when more keys matched than the limit let through.
   */
  'more'?: (boolean);
}

/**
 * The keys a RangeRequest read.
 */
export interface RangeResponse__Output {
  /**
   * The keys, in UTF-8 byte order.
   */
  'kvs': (_kvstore_v1_KeyValue__Output)[];
  /**
   * True when more keys matched than the limit let through.
   */
  'more': (boolean);
}
