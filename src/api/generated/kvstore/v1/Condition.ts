// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A condition on the key of a Set or Delete, checked atomically with the write.
 */
export interface Condition {
  /**
   * The key does not exist (or has expired).
   */
  'absent'?: (boolean);
  /**
   * The key's version is this (0 = absent).
   */
  'version'?: (number | string | Long);
  /**
   * The key's mod_revision is this (0 = absent).
   */
  'mod_revision'?: (number | string | Long);
  /**
   * The key exists with exactly this value.
   */
  'value'?: (Buffer | Uint8Array | string);
  'condition'?: "absent"|"version"|"mod_revision"|"value";
}

/**
 * A condition on the key of a Set or Delete, checked atomically with the write.
 */
export interface Condition__Output {
  /**
   * The key does not exist (or has expired).
   */
  'absent'?: (boolean);
  /**
   * The key's version is this (0 = absent).
   */
  'version'?: (number);
  /**
   * The key's mod_revision is this (0 = absent).
   */
  'mod_revision'?: (number);
  /**
   * The key exists with exactly this value.
   */
  'value'?: (Buffer);
  'condition'?: "absent"|"version"|"mod_revision"|"value";
}
