// Original file: proto/kvstore/v1/kvstore.proto

import type { CallerGrants as _kvstore_v1_CallerGrants, CallerGrants__Output as _kvstore_v1_CallerGrants__Output } from '../../kvstore/v1/CallerGrants.js';

/**
 * The caller of a call, as the server's gate admitted it.
 */
export interface Caller {
  /**
   * The principal: an API key's name, a JWT's sub, a client certificate's subject CN.
   */
  'principal'?: (string);
  /**
   * How it authenticated: api-key, jwt or client-cert.
   */
  'via'?: (string);
  /**
   * Every role it carries.
   */
  'roles'?: (string)[];
  /**
   * Roles it carries that this server does not define (they grant nothing).
   */
  'unknown_roles'?: (string)[];
  /**
   * What its roles grant.
   */
  'grants'?: (_kvstore_v1_CallerGrants | null);
}

/**
 * The caller of a call, as the server's gate admitted it.
 */
export interface Caller__Output {
  /**
   * The principal: an API key's name, a JWT's sub, a client certificate's subject CN.
   */
  'principal': (string);
  /**
   * How it authenticated: api-key, jwt or client-cert.
   */
  'via': (string);
  /**
   * Every role it carries.
   */
  'roles': (string)[];
  /**
   * Roles it carries that this server does not define (they grant nothing).
   */
  'unknown_roles': (string)[];
  /**
   * What its roles grant.
   */
  'grants': (_kvstore_v1_CallerGrants__Output | null);
}
