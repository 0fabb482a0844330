// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

// Original file: proto/kvstore/v1/kvstore.proto

/**
 * How the key's target compares with the operand.
 */
export const _kvstore_v1_Compare_Result = {
  /**
   * The target equals the operand.
   */
  EQUAL: 'EQUAL',
  /**
   * The target is greater than the operand (values: in byte order).
   */
  GREATER: 'GREATER',
  /**
   * The target is less than the operand.
   */
  LESS: 'LESS',
  /**
   * The target differs from the operand.
   */
  NOT_EQUAL: 'NOT_EQUAL',
} as const;

/**
 * How the key's target compares with the operand.
 */
export type _kvstore_v1_Compare_Result =
  /**
   * The target equals the operand.
   */
  | 'EQUAL'
  | 0
  /**
   * The target is greater than the operand (values: in byte order).
   */
  | 'GREATER'
  | 1
  /**
   * The target is less than the operand.
   */
  | 'LESS'
  | 2
  /**
   * The target differs from the operand.
   */
  | 'NOT_EQUAL'
  | 3

/**
 * How the key's target compares with the operand.
 */
export type _kvstore_v1_Compare_Result__Output = typeof _kvstore_v1_Compare_Result[keyof typeof _kvstore_v1_Compare_Result]

/**
 * A Txn compare, as etcd's: target of key, compared with the given operand.
 */
export interface Compare {
  /**
   * The comparison that must hold.
   */
  'result'?: (_kvstore_v1_Compare_Result);
  /**
   * The key compared.
   */
  'key'?: (string);
  /**
   * The key's version.
   */
  'version'?: (number | string | Long);
  /**
   * The key's create_revision.
   */
  'create_revision'?: (number | string | Long);
  /**
   * The key's mod_revision.
   */
  'mod_revision'?: (number | string | Long);
  /**
   * The key's value.
   */
  'value'?: (Buffer | Uint8Array | string);
  /**
   * What of the key is compared, and the operand. An absent key has version, create_revision and
   * mod_revision 0 and no value (a value compare against it holds only for NOT_EQUAL).
   */
  'target'?: "version"|"create_revision"|"mod_revision"|"value";
}

/**
 * A Txn compare, as etcd's: target of key, compared with the given operand.
 */
export interface Compare__Output {
  /**
   * The comparison that must hold.
   */
  'result': (_kvstore_v1_Compare_Result__Output);
  /**
   * The key compared.
   */
  'key': (string);
  /**
   * The key's version.
   */
  'version'?: (number);
  /**
   * The key's create_revision.
   */
  'create_revision'?: (number);
  /**
   * The key's mod_revision.
   */
  'mod_revision'?: (number);
  /**
   * The key's value.
   */
  'value'?: (Buffer);
  /**
   * What of the key is compared, and the operand. An absent key has version, create_revision and
   * mod_revision 0 and no value (a value compare against it holds only for NOT_EQUAL).
   */
  'target'?: "version"|"create_revision"|"mod_revision"|"value";
}
