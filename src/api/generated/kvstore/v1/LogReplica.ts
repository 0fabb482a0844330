// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One copy of the shared log.
 */
export interface LogReplica {
  /**
   * The name of the NATS server that holds it.
   */
  'name'?: (string);
  /**
   * Whether it holds every committed record.
   */
  'current'?: (boolean);
  /**
   * Records it is behind the leader.
   */
  'lag'?: (number | string | Long);
}

/**
 * One copy of the shared log.
 */
export interface LogReplica__Output {
  /**
   * The name of the NATS server that holds it.
   */
  'name': (string);
  /**
   * Whether it holds every committed record.
   */
  'current': (boolean);
  /**
   * Records it is behind the leader.
   */
  'lag': (number);
}
