// Original file: proto/kvstore/v1/kvstore.proto


/**
 * A caller's rate limit (its roles' rateLimit); 0 in a field is no limit on it.
 */
export interface CallerRateLimit {
  /**
   * Requests a second.
   */
  'requests_per_second'?: (number | string);
  /**
   * Request bytes (keys and values) a second.
   */
  'bytes_per_second'?: (number | string);
  /**
   * Requests that may arrive at once above the rate.
   */
  'burst'?: (number | string);
}

/**
 * A caller's rate limit (its roles' rateLimit); 0 in a field is no limit on it.
 */
export interface CallerRateLimit__Output {
  /**
   * Requests a second.
   */
  'requests_per_second': (number);
  /**
   * Request bytes (keys and values) a second.
   */
  'bytes_per_second': (number);
  /**
   * Requests that may arrive at once above the rate.
   */
  'burst': (number);
}
