// Original file: proto/kvstore/v1/kvstore.proto

import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from '../../kvstore/v1/ResponseHeader.js';
import type { Long } from '@grpc/proto-loader';

/**
 * The history that remains.
 */
export interface CompactResponse {
  /**
   * header.revision: the store's current revision.
   */
  'header'?: (_kvstore_v1_ResponseHeader | null);
  /**
   * The new compact revision: the oldest revision a watch or an incremental backup can start from.
   */
  'compact_revision'?: (number | string | Long);
  /**
   * Revisions dropped by this compaction.
   */
  'removed'?: (number | string | Long);
}

/**
 * The history that remains.
 */
export interface CompactResponse__Output {
  /**
   * header.revision: the store's current revision.
   */
  'header': (_kvstore_v1_ResponseHeader__Output | null);
  /**
   * The new compact revision: the oldest revision a watch or an incremental backup can start from.
   */
  'compact_revision': (number);
  /**
   * Revisions dropped by this compaction.
   */
  'removed': (number);
}
