import type { Config } from '../config/config.js';
import { ApiKeyAuthenticator, type ApiKeyEntry, loadApiKeysFile } from '../security/api-keys.js';
import { ClientCertPrincipals } from '../security/client-cert.js';
import { CredentialGate } from '../security/credential-gate.js';
import { JwtAuthenticator, jwtConfigured } from '../security/jwt.js';
import { RemoteJwks } from '../security/remote-jwks.js';

/** The gate and the parts of it a reload replaces keys in (null = not configured). */
export interface BuiltAuthenticator {
  readonly gate: CredentialGate;
  readonly apiKeys: ApiKeyAuthenticator | null;
  readonly jwt: JwtAuthenticator | null;
  /** The issuer's JWKS by URL (security.jwtJwksUrl), fetched on its own schedule. */
  readonly remoteJwks: RemoteJwks | null;
}

/**
 * The gate's authenticator from the configuration, or null when no credential is configured (auth off):
 * API keys (security.apiKeysFile), JWTs (security.jwt*), client certificates (a listener's tlsClientCa, with
 * security.clientCertRoles naming their roles).
 * Every file is read here, before anything listens: a bad one stops the start naming the setting.
 */
export async function buildAuthenticator(
  config: Config,
  /** The keys file's entries when the caller has read it already. */
  keys?: readonly ApiKeyEntry[],
  /** Hears of the remote JWKS's fetches (for the log). */
  onJwks?: ConstructorParameters<typeof RemoteJwks>[1]['onEvent'],
): Promise<BuiltAuthenticator | null> {
  const { security } = config;
  const apiKeys = security.apiKeysFile
    ? new ApiKeyAuthenticator(keys ?? loadApiKeysFile(security.apiKeysFile))
    : null;
  const remoteJwks =
    security.jwtJwksUrl !== ''
      ? new RemoteJwks(security.jwtJwksUrl, {
          refreshMs: security.jwtJwksRefreshMs,
          cooldownMs: security.jwtJwksCooldownMs,
          onEvent: onJwks,
        })
      : null;
  const jwt = jwtConfigured(security) ? await JwtAuthenticator.load(security, Date.now, remoteJwks) : null;
  // Opt-in: with mTLS alone (no roles mapped) a certificate opens the connection, and a call still needs
  // its API key or JWT, as before client certificates could name principals.
  const clientCerts =
    clientCertCa(config) && security.clientCertRoles.size > 0
      ? new ClientCertPrincipals(security.clientCertRoles)
      : null;
  if (apiKeys === null && jwt === null && clientCerts === null) return null;
  return { gate: new CredentialGate({ apiKeys, jwt, clientCerts }), apiKeys, jwt, remoteJwks };
}

/** True when a listener asks clients for certificates (mTLS). */
export function clientCertCa(config: Config): boolean {
  return config.grpc.tlsClientCa !== '' || config.http.tlsClientCa !== '';
}
