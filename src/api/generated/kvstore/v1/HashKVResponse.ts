// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { Long } from '@grpc/proto-loader';

/**
 * The hash of the key state at a revision.
 */
export interface HashKVResponse {
  /**
   * header.revision: the store's current revision.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * Lowercase hex SHA-256 of the state at hash_revision.
   */
  'hash'?: (string);
  /**
   * The revision hashed.
   */
  'hash_revision'?: (number | string | Long);
  /**
   * Number of keys in that state.
   */
  'keys'?: (number | string | Long);
  /**
   * The store's compact revision when it answered.
   */
  'compact_revision'?: (number | string | Long);
}

/**
 * The hash of the key state at a revision.
 */
export interface HashKVResponse__Output {
  /**
   * header.revision: the store's current revision.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * Lowercase hex SHA-256 of the state at hash_revision.
   */
  'hash': (string);
  /**
   * The revision hashed.
   */
  'hash_revision': (number);
  /**
   * Number of keys in that state.
   */
  'keys': (number);
  /**
   * The store's compact revision when it answered.
   */
  'compact_revision': (number);
}
