// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A key with its value and metadata.
 */
export interface KeyValue {
  /**
   * The key (UTF-8).
   */
  'key'?: (string);
  /**
   * The value; empty when the request asked for keys only, and in the replies of writes.
   */
  'value'?: (Buffer | Uint8Array | string);
  /**
   * Revision of the write that created this incarnation of the key.
   */
  'create_revision'?: (number | string | Long);
  /**
   * Revision of the last write to the key.
   */
  'mod_revision'?: (number | string | Long);
  /**
   * 1 on creation, +1 on every write since; a deleted key starts again at 1.
   */
  'version'?: (number | string | Long);
  /**
   * When the key expires, in milliseconds since the Unix epoch; 0 = never.
   */
  'expires_at_ms'?: (number | string | Long);
}

/**
 * A key with its value and metadata.
 */
export interface KeyValue__Output {
  /**
   * The key (UTF-8).
   */
  'key': (string);
  /**
   * The value; empty when the request asked for keys only, and in the replies of writes.
   */
  'value': (Buffer);
  /**
   * Revision of the write that created this incarnation of the key.
   */
  'create_revision': (number);
  /**
   * Revision of the last write to the key.
   */
  'mod_revision': (number);
  /**
   * 1 on creation, +1 on every write since; a deleted key starts again at 1.
   */
  'version': (number);
  /**
   * When the key expires, in milliseconds since the Unix epoch; 0 = never.
   */
  'expires_at_ms': (number);
}
