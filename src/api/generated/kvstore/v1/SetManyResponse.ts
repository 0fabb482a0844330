// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from '../../kvstore/v1/KeyValue.js';

/**
 * The revision of the batch and the keys written.
 */
export interface SetManyResponse {
  /**
   * header.revision: the revision of the batch.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * The keys as written (without values), in request order.
   */
  'kvs'?: (_kvstore_v1_KeyValue)[];
}

/**
 * The revision of the batch and the keys written.
 */
export interface SetManyResponse__Output {
  /**
   * header.revision: the revision of the batch.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * The keys as written (without values), in request order.
   */
  'kvs': (_kvstore_v1_KeyValue__Output)[];
}
