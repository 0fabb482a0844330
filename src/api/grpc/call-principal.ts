import type { Metadata } from '@grpc/grpc-js';
import type { Principal } from '../../security/api-keys.js';

/**
 * The principal the gate admitted for a call, keyed by the call's metadata object: the gate forwards that
 * object to the handler, so nothing a client sends can name a principal (no header carries it).
 */
const admitted = new WeakMap<Metadata, Principal>();

/** Records who made the call whose metadata this is (the gate, once it accepted the credential). */
export function admitPrincipal(metadata: Metadata, principal: Principal): void {
  admitted.set(metadata, principal);
}

/** The principal the gate admitted for a call, or undefined when the gate did not see it. */
export function principalOf(metadata: Metadata): Principal | undefined {
  return admitted.get(metadata);
}
