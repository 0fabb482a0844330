// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface SetRequest {
  'key'?: (string);
  'value'?: (Buffer | Uint8Array | string);
  /**
   * Time to live in milliseconds, 1 .. 31536000000 (one year); absent = never expires.
   */
  'ttl_ms'?: (number | string | Long);
  '_ttl_ms'?: "ttl_ms";
}

export interface SetRequest__Output {
  'key': (string);
  'value': (Buffer);
  /**
   * Time to live in milliseconds, 1 .. 31536000000 (one year); absent = never expires.
   */
  'ttl_ms'?: (number);
  '_ttl_ms'?: "ttl_ms";
}
