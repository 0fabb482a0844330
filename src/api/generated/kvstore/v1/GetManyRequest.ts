// Original file: proto/kvstore/v1/kvstore.proto


/**
 * Several keys to read at one revision.
 */
export interface GetManyRequest {
  /**
   * The keys to read; at most limits.maxBatchOps (default 1000).
   */
  'keys'?: (string)[];
  /**
   * As GetRequest.serializable.
   */
  'serializable'?: (boolean);
}

/**
 * Several keys to read at one revision.
 */
export interface GetManyRequest__Output {
  /**
   * The keys to read; at most limits.maxBatchOps (default 1000).
   */
  'keys': (string)[];
  /**
   * As GetRequest.serializable.
   */
  'serializable': (boolean);
}
