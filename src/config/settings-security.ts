import { type ClientCertRoles, parseClientCertRoles, showClientCertRoles } from '../security/client-cert.js';
import type { Config } from './config.js';
import {
  boolean,
  DAY,
  duration,
  filePath,
  jwksUrl,
  type Setting,
  setting,
  showMs,
  showMsOrZero,
} from './setting.js';

/** Who may do what: API keys, roles, JWTs, client certificates, audit, encryption at rest. */
export const SECURITY_SETTINGS: readonly Setting[] = [
  setting(
    'security.apiKeysFile',
    '',
    'YAML file of API keys ({name, hash, roles}; kvstore auth key create); when set, every gRPC call and /v1 request needs "authorization: Bearer <key>" ("" = auth off)',
    'a file path or empty',
    filePath,
  ),
  setting(
    'security.rolesFile',
    '',
    'YAML file of roles ({name: {read: [globs], write: [globs], admin: bool}}) granting key prefixes to principals; the built-in roles admin, readwrite and readonly need no file',
    'a file path or empty',
    filePath,
  ),
  setting(
    'security.auditFile',
    '',
    'file the audit log is appended to: one JSON line per write, admin call and refused call (principal, method, keys or range, result, revision; never values or secrets) ("" = no audit log)',
    'a file path or empty',
    filePath,
  ),
  setting(
    'security.encryptionKeyFile',
    '',
    'file of AES-256-GCM data keys for encryption at rest ("id: base64-of-32-bytes" lines, optional "current: id"; the first is current): log records, checkpoints and backups are sealed ("" = off unless KVSTORE_ENCRYPTION_KEY=id:base64 is set; docs/security.md)',
    'a file path or empty',
    filePath,
  ),
  setting(
    'security.jwtSecretFile',
    '',
    'file holding the HS256 secret (at least 32 bytes) JWT bearer tokens are signed with ("" = none)',
    'a file path or empty',
    filePath,
  ),
  setting(
    'security.jwtPublicKeyFile',
    '',
    'PEM public key (RSA: RS256, EC P-256: ES256) JWT bearer tokens are signed with ("" = none)',
    'a file path or empty',
    filePath,
  ),
  setting(
    'security.jwtJwksFile',
    '',
    'JSON Web Key Set file (RS256/ES256 keys chosen by kid) JWT bearer tokens are signed with ("" = none)',
    'a file path or empty',
    filePath,
  ),
  setting(
    'security.jwtJwksUrl',
    '',
    'URL of the issuer\'s JSON Web Key Set (https; http only to a loopback host), fetched at start, every security.jwtJwksRefresh, and again for a token whose kid it lacks ("" = none)',
    'an https URL (http to 127.0.0.1, ::1 or localhost) or empty',
    jwksUrl,
  ),
  setting(
    'security.jwtJwksRefresh',
    600_000,
    'how often the JWKS of security.jwtJwksUrl is fetched again (a key removed there stops verifying, and tokens it verified are checked again)',
    'a duration from 1s to 1d',
    duration(1_000, DAY),
    showMs,
  ),
  setting(
    'security.jwtJwksCooldown',
    30_000,
    'a token whose kid the fetched JWKS lacks fetches it again at most this often (a new signing key is accepted within it)',
    'a duration from 0 to 1h',
    duration(0, 3_600_000),
    showMsOrZero,
  ),
  setting(
    'security.jwtIssuer',
    '',
    'the iss a JWT must carry (required when a JWT key is set)',
    'text',
    (raw) => (typeof raw === 'string' ? raw : null),
  ),
  setting(
    'security.jwtAudience',
    '',
    'the aud a JWT must carry (required when a JWT key is set)',
    'text',
    (raw) => (typeof raw === 'string' ? raw : null),
  ),
  setting(
    'security.jwtRolesClaim',
    'roles',
    "the JWT claim holding the principal's roles (a list or a space-separated string; a.b reaches into an object)",
    'a claim name',
    (raw) => (typeof raw === 'string' && /^[^\s.]+(\.[^\s.]+)*$/.test(raw) ? raw : null),
  ),
  setting(
    'security.jwtClockSkew',
    30_000,
    "clock difference allowed when checking a JWT's exp and nbf",
    'a duration from 0 to 10m',
    duration(0, 600_000),
    showMsOrZero,
  ),
  setting(
    'security.clientCertRoles',
    new Map(),
    'with mTLS (grpc.tlsClientCa, http.tlsClientCa), roles of the principal a verified client certificate names by its subject CN; * gives every other CN its roles (none without it)',
    '{CN: [roles]} in a file, or CN=role,role;*=role',
    parseClientCertRoles,
    showClientCertRoles,
  ),
  setting(
    'security.tlsReloadInterval',
    10_000,
    'how often the TLS files (grpc.tls*, http.tls*) are looked at; a changed certificate, key or CA is used for new connections without a restart (0: read once, at start)',
    'a duration from 0 to 1d',
    duration(0, DAY),
    showMsOrZero,
  ),
  setting(
    'security.reloadInterval',
    10_000,
    'how often security.apiKeysFile, security.rolesFile and the JWT key files are looked at; a changed file that parses and is consistent is used without a restart (a bad edit is logged and the previous contents stay; 0: read once, at start)',
    'a duration from 0 to 1d',
    duration(0, DAY),
    showMsOrZero,
  ),
  setting(
    'security.authenticateRateLimit',
    50,
    'etcd Auth.Authenticate calls a second per client IP address (burst: as many), so keys cannot be guessed fast; more are refused with RESOURCE_EXHAUSTED (0: no limit)',
    'an integer from 0 to 100000',
    (raw) => {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
      return Number.isInteger(n) && n >= 0 && n <= 100_000 ? n : null;
    },
  ),
  setting(
    'security.insecure',
    false,
    'serve keys on a non-loopback address with no authentication (serve --insecure); without it such a start is refused',
    'true or false',
    boolean,
  ),
];

/** The security parts of {@link Config} from parsed values by key. */
export function securityConfig(v: (key: string) => unknown): Pick<Config, 'security'> {
  return {
    security: {
      apiKeysFile: v('security.apiKeysFile') as string,
      rolesFile: v('security.rolesFile') as string,
      auditFile: v('security.auditFile') as string,
      encryptionKeyFile: v('security.encryptionKeyFile') as string,
      jwtSecretFile: v('security.jwtSecretFile') as string,
      jwtPublicKeyFile: v('security.jwtPublicKeyFile') as string,
      jwtJwksFile: v('security.jwtJwksFile') as string,
      jwtJwksUrl: v('security.jwtJwksUrl') as string,
      jwtJwksRefreshMs: v('security.jwtJwksRefresh') as number,
      jwtJwksCooldownMs: v('security.jwtJwksCooldown') as number,
      jwtIssuer: v('security.jwtIssuer') as string,
      jwtAudience: v('security.jwtAudience') as string,
      jwtRolesClaim: v('security.jwtRolesClaim') as string,
      jwtClockSkewMs: v('security.jwtClockSkew') as number,
      clientCertRoles: v('security.clientCertRoles') as ClientCertRoles,
      tlsReloadIntervalMs: v('security.tlsReloadInterval') as number,
      reloadIntervalMs: v('security.reloadInterval') as number,
      authenticateRateLimit: v('security.authenticateRateLimit') as number,
      insecure: v('security.insecure') as boolean,
    },
  };
}
