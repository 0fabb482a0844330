// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The next piece of a backup file.
 */
export interface BackupChunk {
  /**
   * The next bytes of the backup file.
   */
  'data'?: (Buffer | Uint8Array | string);
  /**
   * Entries and records written so far, and the number expected (it can grow while records arrive).
   */
  'items_done'?: (number | string | Long);
  /**
   * The number of entries and records expected so far.
   */
  'items_total'?: (number | string | Long);
}

/**
 * The next piece of a backup file.
 */
export interface BackupChunk__Output {
  /**
   * The next bytes of the backup file.
   */
  'data': (Buffer);
  /**
   * Entries and records written so far, and the number expected (it can grow while records arrive).
   */
  'items_done': (number);
  /**
   * The number of entries and records expected so far.
   */
  'items_total': (number);
}
