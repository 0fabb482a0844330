// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from '../../kvstore/v1/KeyValue.js';
import type { Long } from '@grpc/proto-loader';

/**
 * A page of keys in UTF-8 byte order.
 */
export interface ListResponse {
  /**
   * header.revision: the revision the page was read at.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * The keys of this page, in order.
   */
  'kvs'?: (_kvstore_v1_KeyValue)[];
  /**
   * Pass as page_token for the next page; empty on the last page.
   */
  'next_page_token'?: (string);
  /**
   * True when there are more keys after this page.
   */
  'more'?: (boolean);
  /**
   * Number of keys in the whole prefix or range, when count was asked for.
   */
  'count'?: (number | string | Long);
}

/**
 * A page of keys in UTF-8 byte order.
 */
export interface ListResponse__Output {
  /**
   * header.revision: the revision the page was read at.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * The keys of this page, in order.
   */
  'kvs': (_kvstore_v1_KeyValue__Output)[];
  /**
   * Pass as page_token for the next page; empty on the last page.
   */
  'next_page_token': (string);
  /**
   * True when there are more keys after this page.
   */
  'more': (boolean);
  /**
   * Number of keys in the whole prefix or range, when count was asked for.
   */
  'count': (number);
}
