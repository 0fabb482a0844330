// Original file: proto/kvstore/v1/kvstore.proto

import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from '../../kvstore/v1/KeyValue.js';

// Original file: proto/kvstore/v1/kvstore.proto

/**
 * What happened to the key.
 */
export const _kvstore_v1_Event_EventType = {
  /**
   * The key was set (created or updated).
   */
  PUT: 'PUT',
  /**
   * The key was deleted by a request.
   */
  DELETE: 'DELETE',
  /**
   * The key's time to live ran out.
   */
  EXPIRE: 'EXPIRE',
} as const;

/**
 * What happened to the key.
 */
export type _kvstore_v1_Event_EventType =
  /**
   * The key was set (created or updated).
   */
  | 'PUT'
  | 0
  /**
   * The key was deleted by a request.
   */
  | 'DELETE'
  | 1
  /**
   * The key's time to live ran out.
   */
  | 'EXPIRE'
  | 2

/**
 * What happened to the key.
 */
export type _kvstore_v1_Event_EventType__Output = typeof _kvstore_v1_Event_EventType[keyof typeof _kvstore_v1_Event_EventType]

/**
 * One change of one key.
 */
export interface Event {
  /**
   * What happened.
   */
  'type'?: (_kvstore_v1_Event_EventType);
  /**
   * The key after the change; for DELETE and EXPIRE only key and mod_revision (the event's revision).
   */
  'kv'?: (_kvstore_v1_KeyValue | null);
  /**
   * The key before the change, when prev_kv was asked for and the key existed.
   */
  'prev_kv'?: (_kvstore_v1_KeyValue | null);
}

/**
 * One change of one key.
 */
export interface Event__Output {
  /**
   * What happened.
   */
  'type': (_kvstore_v1_Event_EventType__Output);
  /**
   * The key after the change; for DELETE and EXPIRE only key and mod_revision (the event's revision).
   */
  'kv': (_kvstore_v1_KeyValue__Output | null);
  /**
   * The key before the change, when prev_kv was asked for and the key existed.
   */
  'prev_kv': (_kvstore_v1_KeyValue__Output | null);
}
