// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from '../../kvstore/v1/KeyValue.js';
import type { Long } from '@grpc/proto-loader';

/**
 * How many keys were deleted.
 */
export interface DeleteRangeResponse {
  /**
   * header.revision: the revision of the delete, or the current revision when nothing matched.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * The number of keys deleted.
   */
  'deleted'?: (number | string | Long);
  /**
   * The deleted keys with their values, when prev_kv was asked for.
   */
  'prev_kvs'?: (_kvstore_v1_KeyValue)[];
}

/**
 * How many keys were deleted.
 */
export interface DeleteRangeResponse__Output {
  /**
   * header.revision: the revision of the delete, or the current revision when nothing matched.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * The number of keys deleted.
   */
  'deleted': (number);
  /**
   * The deleted keys with their values, when prev_kv was asked for.
   */
  'prev_kvs': (_kvstore_v1_KeyValue__Output)[];
}
