// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The request limits a server enforces (settings limits.*).
 */
export interface Limits {
  /**
   * Longest key in bytes (limits.maxKeyBytes).
   */
  'max_key_bytes'?: (number | string | Long);
  /**
   * Largest value in bytes (limits.maxValueBytes).
   */
  'max_value_bytes'?: (number | string | Long);
  /**
   * Longest time to live in milliseconds (limits.maxTtl).
   */
  'max_ttl_ms'?: (number | string | Long);
  /**
   * Largest page a List may ask for (limits.maxListLimit).
   */
  'max_list_limit'?: (number | string | Long);
}

/**
 * The request limits a server enforces (settings limits.*).
 */
export interface Limits__Output {
  /**
   * Longest key in bytes (limits.maxKeyBytes).
   */
  'max_key_bytes': (number);
  /**
   * Largest value in bytes (limits.maxValueBytes).
   */
  'max_value_bytes': (number);
  /**
   * Longest time to live in milliseconds (limits.maxTtl).
   */
  'max_ttl_ms': (number);
  /**
   * Largest page a List may ask for (limits.maxListLimit).
   */
  'max_list_limit': (number);
}
