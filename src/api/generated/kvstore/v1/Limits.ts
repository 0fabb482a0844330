// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface Limits {
  'max_key_bytes'?: (number | string | Long);
  'max_value_bytes'?: (number | string | Long);
  'max_ttl_ms'?: (number | string | Long);
  'max_list_limit'?: (number | string | Long);
}

export interface Limits__Output {
  'max_key_bytes': (number);
  'max_value_bytes': (number);
  'max_ttl_ms': (number);
  'max_list_limit': (number);
}
