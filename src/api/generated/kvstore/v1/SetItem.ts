// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One key of a SetMany.
 */
export interface SetItem {
  /**
   * The key to write.
   */
  'key'?: (string);
  /**
   * The new value.
   */
  'value'?: (Buffer | Uint8Array | string);
  /**
   * Time to live in milliseconds (see SetRequest.ttl_ms); absent = never expires.
   */
  'ttl_ms'?: (number | string | Long);
  '_ttl_ms'?: "ttl_ms";
}

/**
 * One key of a SetMany.
 */
export interface SetItem__Output {
  /**
   * The key to write.
   */
  'key': (string);
  /**
   * The new value.
   */
  'value': (Buffer);
  /**
   * Time to live in milliseconds (see SetRequest.ttl_ms); absent = never expires.
   */
  'ttl_ms'?: (number);
  '_ttl_ms'?: "ttl_ms";
}
