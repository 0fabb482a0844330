// Original file: proto/kvstore/v1/kvstore.proto


/**
 * Several keys to delete as one revision.
 */
export interface DeleteManyRequest {
  /**
   * The keys to delete (absent ones are skipped); at most limits.maxBatchOps (default 1000).
   */
  'keys'?: (string)[];
}

/**
 * Several keys to delete as one revision.
 */
export interface DeleteManyRequest__Output {
  /**
   * The keys to delete (absent ones are skipped); at most limits.maxBatchOps (default 1000).
   */
  'keys': (string)[];
}
