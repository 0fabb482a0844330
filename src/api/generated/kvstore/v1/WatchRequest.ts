// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  /**
   * What to watch: one key, a prefix, or a [start, end) range (exactly one of them).
   */
  'key'?: (string);
  'prefix'?: (string);
  'start'?: (string);
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
   * Leave out puts / deletes and expiries.
   */
  'no_put'?: (boolean);
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

export interface WatchRequest__Output {
  /**
   * What to watch: one key, a prefix, or a [start, end) range (exactly one of them).
   */
  'key': (string);
  'prefix': (string);
  'start': (string);
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
   * Leave out puts / deletes and expiries.
   */
  'no_put': (boolean);
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
