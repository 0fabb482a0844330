// Original file: proto/kvstore/v1/kvstore.proto

import type { Compare as _kvstore_v1_Compare, Compare__Output as _kvstore_v1_Compare__Output } from '../../kvstore/v1/Compare.js';
import type { RequestOp as _kvstore_v1_RequestOp, RequestOp__Output as _kvstore_v1_RequestOp__Output } from '../../kvstore/v1/RequestOp.js';

export interface TxnRequest {
  'compare'?: (_kvstore_v1_Compare)[];
  'success'?: (_kvstore_v1_RequestOp)[];
  'failure'?: (_kvstore_v1_RequestOp)[];
}

export interface TxnRequest__Output {
  'compare': (_kvstore_v1_Compare__Output)[];
  'success': (_kvstore_v1_RequestOp__Output)[];
  'failure': (_kvstore_v1_RequestOp__Output)[];
}
