// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface SetItem {
  'key'?: (string);
  'value'?: (Buffer | Uint8Array | string);
  'ttl_ms'?: (number | string | Long);
  '_ttl_ms'?: "ttl_ms";
}

export interface SetItem__Output {
  'key': (string);
  'value': (Buffer);
  'ttl_ms'?: (number);
  '_ttl_ms'?: "ttl_ms";
}
