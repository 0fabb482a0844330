// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Which backup to stream.
 */
export interface BackupRequest {
  /**
   * 0 = a full backup; R >= 1 = an incremental backup of the records from revision R on.
   */
  'from_revision'?: (number | string | Long);
}

/**
 * Which backup to stream.
 */
export interface BackupRequest__Output {
  /**
   * 0 = a full backup; R >= 1 = an incremental backup of the records from revision R on.
   */
  'from_revision': (number);
}
