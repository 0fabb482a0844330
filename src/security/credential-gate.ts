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
    const match = BEARER.exec(authorization);
    if (!match) throw new Unauthenticated('authorization is not "Bearer <token>"', 'malformed');
    const token = match[1]!;
    if (JWT_FORM.test(token)) {
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
    const match = BEARER.exec(authorization);
    if (!match || !JWT_FORM.test(match[1]!)) return undefined;
    return this.accepted.jwt.prepare(match[1]!);
  }
}
