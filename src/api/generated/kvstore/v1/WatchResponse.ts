// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { Event as _kvstore_v1_Event, Event__Output as _kvstore_v1_Event__Output } from '../../kvstore/v1/Event.js';

/**
 * A batch of changes, or a progress message.
 */
export interface WatchResponse {
  /**
   * header.revision: the newest revision this message covers; the watcher has seen every change it
   * asked for up to it.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * The events of one or more consecutive revisions, oldest first, all events of a revision together
   * (empty in a progress message).
   */
  'events'?: (_kvstore_v1_Event)[];
  /**
   * True for a progress message: nothing matched up to header.revision.
   */
  'progress'?: (boolean);
}

/**
 * A batch of changes, or a progress message.
 */
export interface WatchResponse__Output {
  /**
   * header.revision: the newest revision this message covers; the watcher has seen every change it
   * asked for up to it.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * The events of one or more consecutive revisions, oldest first, all events of a revision together
   * (empty in a progress message).
   */
  'events': (_kvstore_v1_Event__Output)[];
  /**
   * True for a progress message: nothing matched up to header.revision.
   */
  'progress': (boolean);
}
