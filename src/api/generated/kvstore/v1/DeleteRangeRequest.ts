// Original file: proto/kvstore/v1/kvstore.proto


/**
 * The keys to delete: exactly one of prefix ("" with nothing else = every key), [start, end) or pattern.
 */
export interface DeleteRangeRequest {
  /**
   * Delete every key that starts with this prefix.
   */
  'prefix'?: (string);
  /**
   * Delete the range [start, end): keys >= start ...
   */
  'start'?: (string);
  /**
   * ... and < end (empty = no upper bound).
   */
  'end'?: (string);
  /**
   * Delete the keys that match this glob (see ListRequest.pattern).
   */
  'pattern'?: (string);
  /**
   * Return the deleted keys with their values.
   */
  'prev_kv'?: (boolean);
}

/**
 * The keys to delete: exactly one of prefix ("" with nothing else = every key), [start, end) or pattern.
 */
export interface DeleteRangeRequest__Output {
  /**
   * Delete every key that starts with this prefix.
   */
  'prefix': (string);
  /**
   * Delete the range [start, end): keys >= start ...
   */
  'start': (string);
  /**
   * ... and < end (empty = no upper bound).
   */
  'end': (string);
  /**
   * Delete the keys that match this glob (see ListRequest.pattern).
   */
  'pattern': (string);
  /**
   * Return the deleted keys with their values.
   */
  'prev_kv': (boolean);
}
