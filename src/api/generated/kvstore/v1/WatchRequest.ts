// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * What to watch and from which revision. Exactly one of key, prefix, [start, end) or pattern.
 */
export interface WatchRequest {
  /**
   * Watch this one key.
   */
  'key'?: (string);
  /**
   * Watch every key that starts with this prefix.
   */
  'prefix'?: (string);
  /**
   * Watch the range [start, end): keys >= start ...
   */
  'start'?: (string);
  /**
   * ... and < end (empty = no upper bound).
   */
  'end'?: (string);
  /**
   * First revision to deliver (inclusive); 0 = only changes after now.
   */
  'start_revision'?: (number | string | Long);
  /**
   * Include the previous value of each changed key.
   */
  'prev_kv'?: (boolean);
  /**
   * Leave out puts.
   */
  'no_put'?: (boolean);
  /**
   * Leave out deletes and expiries.
   */
  'no_delete'?: (boolean);
  /**
   * Send a progress message (header only) after this long without events; 0 = server default.
   */
  'progress_interval_ms'?: (number | string | Long);
  /**
   * A glob (see ListRequest.pattern) instead of key, prefix or range.
   */
  'pattern'?: (string);
}

/**
 * What to watch and from which revision. Exactly one of key, prefix, [start, end) or pattern.
 */
export interface WatchRequest__Output {
  /**
   * Watch this one key.
   */
  'key': (string);
  /**
   * Watch every key that starts with this prefix.
   */
  'prefix': (string);
  /**
   * Watch the range [start, end): keys >= start ...
   */
  'start': (string);
  /**
   * ... and < end (empty = no upper bound).
   */
  'end': (string);
  /**
   * First revision to deliver (inclusive); 0 = only changes after now.
   */
  'start_revision': (number);
  /**
   * Include the previous value of each changed key.
   */
  'prev_kv': (boolean);
  /**
   * Leave out puts.
   */
  'no_put': (boolean);
  /**
   * Leave out deletes and expiries.
   */
  'no_delete': (boolean);
  /**
   * Send a progress message (header only) after this long without events; 0 = server default.
   */
  'progress_interval_ms': (number);
  /**
   * A glob (see ListRequest.pattern) instead of key, prefix or range.
   */
  'pattern': (string);
}
