// Original file: proto/kvstore/v1/kvstore.proto

import type { Condition as _kvstore_v1_Condition, Condition__Output as _kvstore_v1_Condition__Output } from '../../kvstore/v1/Condition.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Writes one key.
 */
export interface SetRequest {
  /**
   * The key to write.
   */
  'key'?: (string);
  /**
   * The new value (may be empty).
   */
  'value'?: (Buffer | Uint8Array | string);
  /**
   * Time to live in milliseconds, 1 .. 31536000000 (one year); absent = never expires.
   */
  'ttl_ms'?: (number | string | Long);
  /**
   * Write only if this holds; otherwise FAILED_PRECONDITION with the key's current mod_revision and
   * version in the message and in the trailers current-mod-revision and current-version.
   */
  'condition'?: (_kvstore_v1_Condition | null);
  '_ttl_ms'?: "ttl_ms";
}

/**
 * Writes one key.
 */
export interface SetRequest__Output {
  /**
   * The key to write.
   */
  'key': (string);
  /**
   * The new value (may be empty).
   */
  'value': (Buffer);
  /**
   * Time to live in milliseconds, 1 .. 31536000000 (one year); absent = never expires.
   */
  'ttl_ms'?: (number);
  /**
   * Write only if this holds; otherwise FAILED_PRECONDITION with the key's current mod_revision and
   * version in the message and in the trailers current-mod-revision and current-version.
   */
  'condition': (_kvstore_v1_Condition__Output | null);
  '_ttl_ms'?: "ttl_ms";
}
