// Original file: proto/kvstore/v1/kvstore.proto

import type { Compare as _kvstore_v1_Compare, Compare__Output as _kvstore_v1_Compare__Output } from '../../kvstore/v1/Compare.js';
import type { RequestOp as _kvstore_v1_RequestOp, RequestOp__Output as _kvstore_v1_RequestOp__Output } from '../../kvstore/v1/RequestOp.js';

/**
 * etcd-style transaction: compares, then one of two branches.
 */
export interface TxnRequest {
  /**
   * Every compare must hold for the success branch to run (none = it runs); at most 128.
   */
  'compare'?: (_kvstore_v1_Compare)[];
  /**
   * Operations run when every compare holds; at most 128.
   */
  'success'?: (_kvstore_v1_RequestOp)[];
  /**
   * Operations run otherwise; at most 128.
   */
  'failure'?: (_kvstore_v1_RequestOp)[];
}

/**
 * etcd-style transaction: compares, then one of two branches.
 */
export interface TxnRequest__Output {
  /**
   * Every compare must hold for the success branch to run (none = it runs); at most 128.
   */
  'compare': (_kvstore_v1_Compare__Output)[];
  /**
   * Operations run when every compare holds; at most 128.
   */
  'success': (_kvstore_v1_RequestOp__Output)[];
  /**
   * Operations run otherwise; at most 128.
   */
  'failure': (_kvstore_v1_RequestOp__Output)[];
}
