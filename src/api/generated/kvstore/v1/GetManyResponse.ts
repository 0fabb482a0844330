// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { GetResponse as _kvstore_v1_GetResponse, GetResponse__Output as _kvstore_v1_GetResponse__Output } from '../../kvstore/v1/GetResponse.js';

/**
 * The keys read, in request order.
 */
export interface GetManyResponse {
  /**
   * header.revision: the one revision every key was read at.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * One per requested key, in request order.
   */
  'results'?: (_kvstore_v1_GetResponse)[];
}

/**
 * The keys read, in request order.
 */
export interface GetManyResponse__Output {
  /**
   * header.revision: the one revision every key was read at.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * One per requested key, in request order.
   */
  'results': (_kvstore_v1_GetResponse__Output)[];
}
