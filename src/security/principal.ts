/** Who made a call. */
export interface Principal {
  readonly name: string;
  readonly roles: readonly string[];
  /** How it proved who it is. */
  readonly via: 'api-key' | 'jwt' | 'client-cert';
}

/**
 * Why a credential was refused, from a small fixed set (the `reason` label of kvstore_auth_refusals_total):
 * missing (none sent), malformed (not "Bearer <token>"), unknown_key (an API key no entry has), expired,
 * not_yet_valid (nbf), bad_signature, audience, issuer, claims (sub or exp missing, roles not a list),
 * unsupported (a credential of a kind this server does not accept, or an algorithm it does not allow),
 * keys_unavailable (the issuer's JWKS, security.jwtJwksUrl, could not be fetched).
 */
export type RefusalReason =
  | 'missing'
  | 'malformed'
  | 'unknown_key'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'audience'
  | 'issuer'
  | 'claims'
  | 'unsupported'
  | 'keys_unavailable';

/** Why a call was refused before any handler: said to the caller as UNAUTHENTICATED / 401. */
export class Unauthenticated extends Error {
  override readonly name = 'Unauthenticated';

  constructor(
    message: string,
    /** For metrics: which of a fixed set of reasons (the message says it to the caller). */
    readonly reason: RefusalReason = 'unknown_key',
  ) {
    super(message);
  }
}

/** The subject CN of the call's verified client certificate (mTLS), read only when it is needed. */
export type PeerCommonName = () => string | undefined;

/** Checks a call's `authorization` value; throws {@link Unauthenticated} when it is missing or refused. */
export interface Authenticator {
  /**
   * The principal of a call: from its `authorization` value (gRPC metadata or HTTP header) or, when none
   * was sent, from its verified client certificate. Synchronous: a credential that needs asynchronous work
   * first (a JWT not verified yet) is verified by {@link prepare}, which the gate awaits before this.
   */
  authenticate(authorization: string | undefined, peer?: PeerCommonName): Principal;
  /**
   * Work to finish before {@link authenticate} can answer for this value (verifying a JWT the first time it
   * is seen); undefined when there is none, as for API keys and cached tokens.
   */
  prepare?(authorization: string | undefined): Promise<void> | undefined;
}

/** `inner`, telling `onRefused` the reason of each refusal (for metrics); everything else passes through. */
export function countingRefusals(
  inner: Authenticator,
  onRefused: (reason: RefusalReason) => void,
): Authenticator {
  const counted: Authenticator = {
    authenticate(authorization, peer) {
      try {
        return inner.authenticate(authorization, peer);
      } catch (err) {
        if (err instanceof Unauthenticated) onRefused(err.reason);
        throw err;
      }
    },
  };
  if (inner.prepare) counted.prepare = (authorization) => inner.prepare!(authorization);
  return counted;
}
