// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { ResponseOp as _kvstore_v1_ResponseOp, ResponseOp__Output as _kvstore_v1_ResponseOp__Output } from '../../kvstore/v1/ResponseOp.js';

/**
 * Which branch ran and what its operations answered.
 */
export interface TxnResponse {
  /**
   * The transaction's revision when it wrote, else the revision it read.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * True when every compare held (the success branch ran).
   */
  'succeeded'?: (boolean);
  /**
   * One per operation of the branch that ran, in order.
   */
  'responses'?: (_kvstore_v1_ResponseOp)[];
}

/**
 * Which branch ran and what its operations answered.
 */
export interface TxnResponse__Output {
  /**
   * The transaction's revision when it wrote, else the revision it read.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * True when every compare held (the success branch ran).
   */
  'succeeded': (boolean);
  /**
   * One per operation of the branch that ran, in order.
   */
  'responses': (_kvstore_v1_ResponseOp__Output)[];
}
