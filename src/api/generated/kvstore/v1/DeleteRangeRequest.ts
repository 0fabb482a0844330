// Original file: proto/kvstore/v1/kvstore.proto


export interface DeleteRangeRequest {
  /**
   * Exactly one of: prefix ("" with nothing else = every key), [start, end) range, or pattern.
   */
  'prefix'?: (string);
  'start'?: (string);
  'end'?: (string);
  'pattern'?: (string);
  /**
   * Return the deleted keys with their values.
   */
  'prev_kv'?: (boolean);
}

export interface DeleteRangeRequest__Output {
  /**
   * Exactly one of: prefix ("" with nothing else = every key), [start, end) range, or pattern.
   */
  'prefix': (string);
  'start': (string);
  'end': (string);
  'pattern': (string);
  /**
   * Return the deleted keys with their values.
   */
  'prev_kv': (boolean);
}
