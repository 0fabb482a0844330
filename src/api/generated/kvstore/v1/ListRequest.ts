// Original file: proto/kvstore/v1/kvstore.proto


/**
 * One page of keys of a prefix, range or pattern.
 */
export interface ListRequest {
  /**
   * Keys that start with this prefix ("" = every key). Not combined with start/end.
   */
  'prefix'?: (string);
  /**
   * Range [start, end): keys >= start and < end. Not combined with prefix.
   */
  'start'?: (string);
  /**
   * End of the range (exclusive); empty = no upper bound.
   */
  'end'?: (string);
  /**
   * Most keys in this page; 0 = the server default (1000); at most 10000 (configurable).
   */
  'limit'?: (number);
  /**
   * next_page_token of the previous page.
   */
  'page_token'?: (string);
  /**
   * Leave values out (metadata only).
   */
  'keys_only'?: (boolean);
  /**
   * Also count every key in the prefix or range (a scan of the whole span).
   */
  'count'?: (boolean);
  /**
   * A glob over "/"-separated segments: "*" matches one segment, "**" any number (also none);
   * e.g. "app/* /config", "logs/**". Its literal prefix bounds the scan. Not combined with prefix/start/end.
   * At most 1024 bytes, 32 segments and 16 "**" segments; matching is linear in the key's length.
   */
  'pattern'?: (string);
  /**
   * As GetRequest.serializable.
   */
  'serializable'?: (boolean);
}

/**
 * One page of keys of a prefix, range or pattern.
 */
export interface ListRequest__Output {
  /**
   * Keys that start with this prefix ("" = every key). Not combined with start/end.
   */
  'prefix': (string);
  /**
   * Range [start, end): keys >= start and < end. Not combined with prefix.
   */
  'start': (string);
  /**
   * End of the range (exclusive); empty = no upper bound.
   */
  'end': (string);
  /**
   * Most keys in this page; 0 = the server default (1000); at most 10000 (configurable).
   */
  'limit': (number);
  /**
   * next_page_token of the previous page.
   */
  'page_token': (string);
  /**
   * Leave values out (metadata only).
   */
  'keys_only': (boolean);
  /**
   * Also count every key in the prefix or range (a scan of the whole span).
   */
  'count': (boolean);
  /**
   * A glob over "/"-separated segments: "*" matches one segment, "**" any number (also none);
   * e.g. "app/* /config", "logs/**". Its literal prefix bounds the scan. Not combined with prefix/start/end.
   * At most 1024 bytes, 32 segments and 16 "**" segments; matching is linear in the key's length.
   */
  'pattern': (string);
  /**
   * As GetRequest.serializable.
   */
  'serializable': (boolean);
}
