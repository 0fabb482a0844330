// Original file: proto/kvstore/v1/kvstore.proto

import type { LogReplica as _kvstore_v1_LogReplica, LogReplica__Output as _kvstore_v1_LogReplica__Output } from '../../kvstore/v1/LogReplica.js';
import type { Long } from '@grpc/proto-loader';

/**
 * A node of a cluster: how far it has applied the shared log, and the log's replicas.
 */
export interface ClusterStatus {
  /**
   * The newest revision this node has applied (its reads answer at it).
   */
  'applied_revision'?: (number | string | Long);
  /**
   * The newest revision committed by any node, as the log's leader reported it for this status.
   */
  'head_revision'?: (number | string | Long);
  /**
   * head_revision - applied_revision.
   */
  'lag_revisions'?: (number | string | Long);
  /**
   * The server leading the log stream now (empty when unknown).
   */
  'leader'?: (string);
  /**
   * Every copy of the log stream, the leader first.
   */
  'replicas'?: (_kvstore_v1_LogReplica)[];
  /**
   * Why the log cannot be reached, when it cannot (writes answer UNAVAILABLE, serializable reads go on).
   */
  'unavailable'?: (string);
}

/**
 * A node of a cluster: how far it has applied the shared log, and the log's replicas.
 */
export interface ClusterStatus__Output {
  /**
   * The newest revision this node has applied (its reads answer at it).
   */
  'applied_revision': (number);
  /**
   * The newest revision committed by any node, as the log's leader reported it for this status.
   */
  'head_revision': (number);
  /**
   * head_revision - applied_revision.
   */
  'lag_revisions': (number);
  /**
   * The server leading the log stream now (empty when unknown).
   */
  'leader': (string);
  /**
   * Every copy of the log stream, the leader first.
   */
  'replicas': (_kvstore_v1_LogReplica__Output)[];
  /**
   * Why the log cannot be reached, when it cannot (writes answer UNAVAILABLE, serializable reads go on).
   */
  'unavailable': (string);
}
