// Original file: proto/kvstore/v1/kvstore.proto


/**
 * A read of several keys inside a Txn: exactly one of prefix, [start, end) or pattern.
 */
export interface RangeRequest {
  /**
   * Keys that start with this prefix.
   */
  'prefix'?: (string);
  /**
   * The range [start, end): keys >= start ...
   */
  'start'?: (string);
  /**
   * ... and < end (empty = no upper bound).
   */
  'end'?: (string);
  /**
   * Most keys returned; 0 = the server default (1000).
   */
  'limit'?: (number);
  /**
   * Leave values out (metadata only).
   */
  'keys_only'?: (boolean);
  /**
   * Keys that match this glob (see ListRequest.pattern).
   */
  'pattern'?: (string);
}

/**
 * A read of several keys inside a Txn: exactly one of prefix, [start, end) or pattern.
 */
export interface RangeRequest__Output {
  /**
   * Keys that start with this prefix.
   */
  'prefix': (string);
  /**
   * The range [start, end): keys >= start ...
   */
  'start': (string);
  /**
   * ... and < end (empty = no upper bound).
   */
  'end': (string);
  /**
   * Most keys returned; 0 = the server default (1000).
   */
  'limit': (number);
  /**
   * Leave values out (metadata only).
   */
  'keys_only': (boolean);
  /**
   * Keys that match this glob (see ListRequest.pattern).
   */
  'pattern': (string);
}
