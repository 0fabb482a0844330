// Original file: proto/kvstore/v1/kvstore.proto

import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from '../../kvstore/v1/KeyValue.js';

// Original file: proto/kvstore/v1/kvstore.proto

export const _kvstore_v1_Event_EventType = {
  PUT: 'PUT',
  DELETE: 'DELETE',
  EXPIRE: 'EXPIRE',
} as const;

export type _kvstore_v1_Event_EventType =
  | 'PUT'
  | 0
  | 'DELETE'
  | 1
  | 'EXPIRE'
  | 2

export type _kvstore_v1_Event_EventType__Output = typeof _kvstore_v1_Event_EventType[keyof typeof _kvstore_v1_Event_EventType]

export interface Event {
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

export interface Event__Output {
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
