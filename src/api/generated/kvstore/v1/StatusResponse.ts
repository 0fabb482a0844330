// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { Limits as _kvstore_v1_Limits, Limits__Output as _kvstore_v1_Limits__Output } from '../../kvstore/v1/Limits.js';
import type { NatsStatus as _kvstore_v1_NatsStatus, NatsStatus__Output as _kvstore_v1_NatsStatus__Output } from '../../kvstore/v1/NatsStatus.js';
import type { HistoryCheck as _kvstore_v1_HistoryCheck, HistoryCheck__Output as _kvstore_v1_HistoryCheck__Output } from '../../kvstore/v1/HistoryCheck.js';
import type { ClusterStatus as _kvstore_v1_ClusterStatus, ClusterStatus__Output as _kvstore_v1_ClusterStatus__Output } from '../../kvstore/v1/ClusterStatus.js';
import type { Caller as _kvstore_v1_Caller, Caller__Output as _kvstore_v1_Caller__Output } from '../../kvstore/v1/Caller.js';
import type { Long } from '@grpc/proto-loader';

/**
 * What the server is and how its store is doing.
 */
export interface StatusResponse {
  /**
   * header.revision: the store's current revision.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * kvstore's version (semantic versioning, as `kvstore --version` prints and package.json says).
   */
  'version'?: (string);
  /**
   * Revisions below this one have been compacted away.
   */
  'compact_revision'?: (number | string | Long);
  /**
   * Live keys at the current revision (expired keys not counted).
   */
  'keys'?: (number | string | Long);
  /**
   * Where the log lives, e.g. "sqlite:/var/lib/kvstore/log.sqlite".
   */
  'backend'?: (string);
  /**
   * Milliseconds since this server started.
   */
  'uptime_ms'?: (number | string | Long);
  /**
   * Revision of the newest checkpoint.
   */
  'checkpoint_revision'?: (number | string | Long);
  /**
   * fsync or relaxed.
   */
  'durability'?: (string);
  /**
   * Request limits in force, so clients can check before sending.
   */
  'limits'?: (_kvstore_v1_Limits | null);
  /**
   * Bytes the log takes on disk (for SQLite: the database file and its write-ahead log).
   */
  'log_bytes'?: (number | string | Long);
  /**
   * Publishing to NATS; absent when nats.url is not configured.
   */
  'nats'?: (_kvstore_v1_NatsStatus | null);
  /**
   * The background re-check of the log history's checksums since this server started.
   */
  'history_check'?: (_kvstore_v1_HistoryCheck | null);
  /**
   * This node's place in a shared log (log.url nats://); absent for a log only this node writes.
   */
  'cluster'?: (_kvstore_v1_ClusterStatus | null);
  /**
   * Who the server takes the caller for and what it may do (as GET /v1/whoami answers); absent with
   * authentication off.
   */
  'caller'?: (_kvstore_v1_Caller | null);
}

/**
 * What the server is and how its store is doing.
 */
export interface StatusResponse__Output {
  /**
   * header.revision: the store's current revision.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * kvstore's version (semantic versioning, as `kvstore --version` prints and package.json says).
   */
  'version': (string);
  /**
   * Revisions below this one have been compacted away.
   */
  'compact_revision': (number);
  /**
   * Live keys at the current revision (expired keys not counted).
   */
  'keys': (number);
  /**
   * Where the log lives, e.g. "sqlite:/var/lib/kvstore/log.sqlite".
   */
  'backend': (string);
  /**
   * Milliseconds since this server started.
   */
  'uptime_ms': (number);
  /**
   * Revision of the newest checkpoint.
   */
  'checkpoint_revision': (number);
  /**
   * fsync or relaxed.
   */
  'durability': (string);
  /**
   * Request limits in force, so clients can check before sending.
   */
  'limits': (_kvstore_v1_Limits__Output | null);
  /**
   * Bytes the log takes on disk (for SQLite: the database file and its write-ahead log).
   */
  'log_bytes': (number);
  /**
   * Publishing to NATS; absent when nats.url is not configured.
   */
  'nats': (_kvstore_v1_NatsStatus__Output | null);
  /**
   * The background re-check of the log history's checksums since this server started.
   */
  'history_check': (_kvstore_v1_HistoryCheck__Output | null);
  /**
   * This node's place in a shared log (log.url nats://); absent for a log only this node writes.
   */
  'cluster': (_kvstore_v1_ClusterStatus__Output | null);
  /**
   * Who the server takes the caller for and what it may do (as GET /v1/whoami answers); absent with
   * authentication off.
   */
  'caller': (_kvstore_v1_Caller__Output | null);
}
