// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Where to cut the history.
 */
export interface CompactRequest {
  /**
   * Records below this revision are deleted; at most the current revision.
   */
  'revision'?: (number | string | Long);
}

/**
 * Where to cut the history.
 */
export interface CompactRequest__Output {
  /**
   * Records below this revision are deleted; at most the current revision.
   */
  'revision': (number);
}
