// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

// Original file: proto/kvstore/v1/kvstore.proto

export const _kvstore_v1_Compare_Result = {
  EQUAL: 'EQUAL',
  GREATER: 'GREATER',
  LESS: 'LESS',
  NOT_EQUAL: 'NOT_EQUAL',
} as const;

export type _kvstore_v1_Compare_Result =
  | 'EQUAL'
  | 0
  | 'GREATER'
  | 1
  | 'LESS'
  | 2
  | 'NOT_EQUAL'
  | 3

export type _kvstore_v1_Compare_Result__Output = typeof _kvstore_v1_Compare_Result[keyof typeof _kvstore_v1_Compare_Result]

/**
 * A Txn compare, as etcd's: target of key, compared with the given operand.
 */
export interface Compare {
  'result'?: (_kvstore_v1_Compare_Result);
  'key'?: (string);
  'version'?: (number | string | Long);
  'create_revision'?: (number | string | Long);
  'mod_revision'?: (number | string | Long);
  'value'?: (Buffer | Uint8Array | string);
  /**
   * An absent key has version, create_revision and mod_revision 0 and no value (a value compare against
   * it holds only for NOT_EQUAL).
   */
  'target'?: "version"|"create_revision"|"mod_revision"|"value";
}

/**
 * A Txn compare, as etcd's: target of key, compared with the given operand.
 */
export interface Compare__Output {
  'result': (_kvstore_v1_Compare_Result__Output);
  'key': (string);
  'version'?: (number);
  'create_revision'?: (number);
  'mod_revision'?: (number);
  'value'?: (Buffer);
  /**
   * An absent key has version, create_revision and mod_revision 0 and no value (a value compare against
   * it holds only for NOT_EQUAL).
   */
  'target'?: "version"|"create_revision"|"mod_revision"|"value";
}
