// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The background check of the log history (records below the verified-through watermark, re-read after a
 * start). A damaged record does not stop the server, but reads of history that reach it fail: restore
 * from a backup (docs/operations.md, "Damaged records"); `kvstore check` verifies a data directory offline.
 */
export interface HistoryCheck {
  /**
   * pending (the store is opening), running, done, stopped (the server closed first) or failed (see the log).
   */
  'state'?: (string);
  /**
   * Records checked so far.
   */
  'checked_records'?: (number | string | Long);
  /**
   * Records that failed their checksum.
   */
  'damaged_records'?: (number | string | Long);
  /**
   * The first damaged revisions found, in the order found (at most 100; damaged_records counts them all).
   */
  'damaged_revisions'?: (number | string | Long)[];
}

/**
 * The background check of the log history (records below the verified-through watermark, re-read after a
 * start). A damaged record does not stop the server, but reads of history that reach it fail: restore
 * from a backup (docs/operations.md, "Damaged records"); `kvstore check` verifies a data directory offline.
 */
export interface HistoryCheck__Output {
  /**
   * pending (the store is opening), running, done, stopped (the server closed first) or failed (see the log).
   */
  'state': (string);
  /**
   * Records checked so far.
   */
  'checked_records': (number);
  /**
   * Records that failed their checksum.
   */
  'damaged_records': (number);
  /**
   * The first damaged revisions found, in the order found (at most 100; damaged_records counts them all).
   */
  'damaged_revisions': (number)[];
}
