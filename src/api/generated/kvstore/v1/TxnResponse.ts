// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { ResponseOp as _kvstore_v1_ResponseOp, ResponseOp__Output as _kvstore_v1_ResponseOp__Output } from '../../kvstore/v1/ResponseOp.js';

export interface TxnResponse {
  /**
   * The transaction's revision when it wrote, else the revision it read.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  'succeeded'?: (boolean);
  /**
   * One per operation of the branch that ran, in order.
   */
  'responses'?: (_kvstore_v1_ResponseOp)[];
}

export interface TxnResponse__Output {
  /**
   * The transaction's revision when it wrote, else the revision it read.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  'succeeded': (boolean);
  /**
   * One per operation of the branch that ran, in order.
   */
  'responses': (_kvstore_v1_ResponseOp__Output)[];
}
