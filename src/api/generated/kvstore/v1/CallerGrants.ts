// Original file: proto/kvstore/v1/kvstore.proto

import type { CallerRateLimit as _kvstore_v1_CallerRateLimit, CallerRateLimit__Output as _kvstore_v1_CallerRateLimit__Output } from '../../kvstore/v1/CallerRateLimit.js';

/**
 * What a caller's roles grant.
 */
export interface CallerGrants {
  /**
   * Key globs it may read (app/** is everything under app/, ** every key).
   */
  'read'?: (string)[];
  /**
   * Key globs it may write.
   */
  'write'?: (string)[];
  /**
   * Backup, Compact, HashKV and Status's server details.
   */
  'admin'?: (boolean);
  /**
   * What it may send per second; absent for no limit.
   */
  'rate_limit'?: (_kvstore_v1_CallerRateLimit | null);
  /**
   * The namespace (tenant) its roles bind it to; empty for none.
   */
  'namespace'?: (string);
}

/**
 * What a caller's roles grant.
 */
export interface CallerGrants__Output {
  /**
   * Key globs it may read (app/** is everything under app/, ** every key).
   */
  'read': (string)[];
  /**
   * Key globs it may write.
   */
  'write': (string)[];
  /**
   * Backup, Compact, HashKV and Status's server details.
   */
  'admin': (boolean);
  /**
   * What it may send per second; absent for no limit.
   */
  'rate_limit': (_kvstore_v1_CallerRateLimit__Output | null);
  /**
   * The namespace (tenant) its roles bind it to; empty for none.
   */
  'namespace': (string);
}
