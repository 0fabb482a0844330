// Original file: proto/kvstore/v1/kvstore.proto

import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from '../../kvstore/v1/KeyValue.js';

export interface RangeResponse {
  'kvs'?: (_kvstore_v1_KeyValue)[];
  'more'?: (boolean);
}

export interface RangeResponse__Output {
  'kvs': (_kvstore_v1_KeyValue__Output)[];
  'more': (boolean);
}
