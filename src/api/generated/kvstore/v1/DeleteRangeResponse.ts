// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from '../../kvstore/v1/KeyValue.js';
import type { Long } from '@grpc/proto-loader';

export interface DeleteRangeResponse {
  'header'?: (_kvstore_v1_ResponseHeader | null);
  'deleted'?: (number | string | Long);
  'prev_kvs'?: (_kvstore_v1_KeyValue)[];
}

export interface DeleteRangeResponse__Output {
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  'deleted': (number);
  'prev_kvs': (_kvstore_v1_KeyValue__Output)[];
}
