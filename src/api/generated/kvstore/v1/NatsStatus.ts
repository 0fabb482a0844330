// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The publishing of changes to NATS subjects (nats.url).
 */
export interface NatsStatus {
  /**
   * connecting, connected, disconnected or closed.
   */
  'state'?: (string);
  /**
   * Every event up to this revision has been published.
   */
  'published_revision'?: (number | string | Long);
  /**
   * Revisions committed but not yet published.
   */
  'lag_revisions'?: (number | string | Long);
  /**
   * The last publish or connection error, if any.
   */
  'last_error'?: (string);
}

/**
 * The publishing of changes to NATS subjects (nats.url).
 */
export interface NatsStatus__Output {
  /**
   * connecting, connected, disconnected or closed.
   */
  'state': (string);
  /**
   * Every event up to this revision has been published.
   */
  'published_revision': (number);
  /**
   * Revisions committed but not yet published.
   */
  'lag_revisions': (number);
  /**
   * The last publish or connection error, if any.
   */
  'last_error': (string);
}
