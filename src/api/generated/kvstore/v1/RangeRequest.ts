// Original file: proto/kvstore/v1/kvstore.proto


export interface RangeRequest {
  /**
   * Exactly one of: prefix, [start, end) range, or pattern (see ListRequest.pattern).
   */
  'prefix'?: (string);
  'start'?: (string);
  'end'?: (string);
  /**
   * 0 = the server default (1000).
   */
  'limit'?: (number);
  'keys_only'?: (boolean);
  'pattern'?: (string);
}

export interface RangeRequest__Output {
  /**
   * Exactly one of: prefix, [start, end) range, or pattern (see ListRequest.pattern).
   */
  'prefix': (string);
  'start': (string);
  'end': (string);
  /**
   * 0 = the server default (1000).
   */
  'limit': (number);
  'keys_only': (boolean);
  'pattern': (string);
}
