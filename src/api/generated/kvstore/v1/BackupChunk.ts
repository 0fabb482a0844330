// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface BackupChunk {
  /**
   * The next bytes of the backup file.
   */
  'data'?: (Buffer | Uint8Array | string);
  /**
   * Entries and records written so far, and the number expected (it can grow while records arrive).
   */
  'items_done'?: (number | string | Long);
  'items_total'?: (number | string | Long);
}

export interface BackupChunk__Output {
  /**
   * The next bytes of the backup file.
   */
  'data': (Buffer);
  /**
   * Entries and records written so far, and the number expected (it can grow while records arrive).
   */
  'items_done': (number);
  'items_total': (number);
}
