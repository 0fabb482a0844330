import type { ApiKeyAuthenticator } from './api-keys.js';
import type { ClientCertPrincipals } from './client-cert.js';
import type { JwtAuthenticator } from './jwt.js';
import { type Authenticator, type PeerCommonName, type Principal, Unauthenticated } from './principal.js';

/** The credentials a server accepts (null = not that kind). */
export interface AcceptedCredentials {
  readonly apiKeys: ApiKeyAuthenticator | null;
  readonly jwt: JwtAuthenticator | null;
  /** Set when a listener asks for client certificates (grpc.tlsClientCa / http.tlsClientCa). */
  readonly clientCerts: ClientCertPrincipals | null;
}

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;
/** header.payload.signature in base64url: an API key (kvs_...) has no dots. */
const JWT_FORM = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Every way a call may prove who it is, behind one {@link Authenticator}: an `authorization: Bearer` value
 * is a JWT when it has the JWT's three parts, an API key otherwise; with no `authorization`, a verified
 * client certificate names the principal. A bearer value wins over a certificate (a service on mTLS may
 * still act as a user with that user's token).
 */
export class CredentialGate implements Authenticator {
  private readonly missing: string;
  /** The gate calls prepare then authenticate with the same header: the second finds it parsed here. */
  private lastParsed: BearerValue | null = null;

  constructor(private readonly accepted: AcceptedCredentials) {
    const kinds = [
      accepted.apiKeys && 'an API key (kvstore --api-key, KVSTORE_API_KEY)',
      accepted.jwt && 'a JWT',
    ].filter((k): k is string => typeof k === 'string');
    const bearer = kinds.length > 0 ? `send "authorization: Bearer <token>" with ${kinds.join(' or ')}` : '';
    const cert = accepted.clientCerts ? 'present a client certificate from the trusted CA' : '';
    this.missing = `no credentials: ${[bearer, cert].filter((s) => s !== '').join(', or ')}`;
  }

  authenticate(authorization: string | undefined, peer?: PeerCommonName): Principal {
    if (authorization === undefined || authorization === '') {
      const cn = this.accepted.clientCerts ? peer?.() : undefined;
      if (cn !== undefined) return this.accepted.clientCerts!.principal(cn);
      throw new Unauthenticated(this.missing, 'missing');
    }
    const { token, jwt } = this.parse(authorization);
    if (token === null) throw new Unauthenticated('authorization is not "Bearer <token>"', 'malformed');
    if (jwt) {
      if (this.accepted.jwt === null)
        throw new Unauthenticated(
          'a JWT was sent, but this server accepts none (security.jwt*)',
          'unsupported',
        );
      return this.accepted.jwt.verified(token);
    }
    if (this.accepted.apiKeys === null)
      throw new Unauthenticated('the API key was refused (this server accepts no API keys)', 'unknown_key');
    return this.accepted.apiKeys.verifyKey(token);
  }

  prepare(authorization: string | undefined): Promise<void> | undefined {
    if (this.accepted.jwt === null || authorization === undefined) return undefined;
    const { token, jwt } = this.parse(authorization);
    return token !== null && jwt ? this.accepted.jwt.prepare(token) : undefined;
  }

  private parse(authorization: string): BearerValue {
    const last = this.lastParsed;
    if (last !== null && last.authorization === authorization) return last;
    const token = BEARER.exec(authorization)?.[1] ?? null;
    const parsed = { authorization, token, jwt: token !== null && JWT_FORM.test(token) };
    this.lastParsed = parsed;
    return parsed;
  }
}

/** An `authorization` value read once: its bearer token (null: not "Bearer <token>"), and whether a JWT. */
interface BearerValue {
  readonly authorization: string;
  readonly token: string | null;
  readonly jwt: boolean;
}
