import type { Metadata } from '@grpc/grpc-js';
import type { Principal } from '../../security/api-keys.js';

/**
 * Where the gate leaves the principal it admitted: a property of the call's metadata object under a symbol
 * only this module holds. The gate forwards that object to the handler, and nothing a client sends can set
 * a symbol-keyed property (metadata from the wire is strings and buffers under string keys), so no header
 * can name a principal. A property, not a WeakMap: an entry per call in a WeakMap cost ~2 us of set plus
 * garbage-collection work (ephemerons) per call (bench/security.ts, docs/security.md#cost-of-the-gate).
 */
const ADMITTED = Symbol('kvstore.admittedPrincipal');

/** Metadata the gate has marked. */
type MarkedMetadata = Metadata & { [ADMITTED]?: Principal };

/** Records who made the call whose metadata this is (the gate, once it accepted the credential). */
export function admitPrincipal(metadata: Metadata, principal: Principal): void {
  (metadata as MarkedMetadata)[ADMITTED] = principal;
}

/** The principal the gate admitted for a call, or undefined when the gate did not see it. */
export function principalOf(metadata: Metadata): Principal | undefined {
  return (metadata as MarkedMetadata)[ADMITTED];
}
