// Original file: proto/kvstore/v1/kvstore.proto


/**
 * Reads one key.
 */
export interface GetRequest {
  /**
   * The key to read.
   */
  'key'?: (string);
  /**
   * Answer from this node's state without asking the log's leader first. In a cluster (log.url nats://)
   * reads are linearizable by default: the node first waits until it has applied every write acknowledged
   * anywhere before the read began. A serializable read skips that round trip and may miss the newest
   * writes of other nodes (never this node's own). No effect on a single node, whose reads are always current.
   */
  'serializable'?: (boolean);
}

/**
 * Reads one key.
 */
export interface GetRequest__Output {
  /**
   * The key to read.
   */
  'key': (string);
  /**
   * Answer from this node's state without asking the log's leader first. In a cluster (log.url nats://)
   * reads are linearizable by default: the node first waits until it has applied every write acknowledged
   * anywhere before the read began. A serializable read skips that round trip and may miss the newest
   * writes of other nodes (never this node's own). No effect on a single node, whose reads are always current.
   */
  'serializable': (boolean);
}
