// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Which state to hash.
 */
export interface HashKVRequest {
  /**
   * The revision whose state to hash; 0 = the current revision.
   */
  'revision'?: (number | string | Long);
}

/**
 * Which state to hash.
 */
export interface HashKVRequest__Output {
  /**
   * The revision whose state to hash; 0 = the current revision.
   */
  'revision': (number);
}
