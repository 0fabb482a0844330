// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Carried by every response.
 */
export interface ResponseHeader {
  /**
   * The store's revision when the response was made (for a write: the revision of that write).
   */
  'revision'?: (number | string | Long);
}

/**
 * Carried by every response.
 */
export interface ResponseHeader__Output {
  /**
   * The store's revision when the response was made (for a write: the revision of that write).
   */
  'revision': (number);
}
