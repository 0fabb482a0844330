import type { LogUrl } from '../log/log-url.js';
import type { ClientCertRoles } from '../security/client-cert.js';

/** The server's whole configuration, one typed object (see docs/configuration.md). */
export interface Config {
  readonly grpc: {
    readonly listen: string;
    readonly compressMinBytes: number;
    /** Unary calls served straight from their HTTP/2 stream when no interceptor needs them (fast-unary.ts). */
    readonly fastUnary: boolean;
    /** TLS certificate chain and key files (PEM); '' = plaintext. Also used by etcd.listen. */
    readonly tlsCert: string;
    readonly tlsKey: string;
    /** CA bundle (PEM) that client certificates must chain to; set = mTLS (a client without one is refused). */
    readonly tlsClientCa: string;
  };
  readonly http: {
    readonly listen: string;
    /** Where the JSON API is served: 'admin' (on http.listen), 'off', or its own HOST:PORT. */
    readonly api: string;
    readonly sseHeartbeatMs: number;
    /** TLS of http.listen and the JSON API's own listener ('' = plaintext); tlsClientCa set = mTLS. */
    readonly tlsCert: string;
    readonly tlsKey: string;
    readonly tlsClientCa: string;
  };
  /** The etcd v3 API's own listener: 'off' or HOST:PORT (it is always served on grpc.listen too). */
  readonly etcd: { readonly listen: string };
  readonly data: {
    readonly dir: string;
    readonly durability: 'fsync' | 'relaxed';
    readonly acceptLogTruncation: boolean;
  };
  readonly limits: {
    readonly maxKeyBytes: number;
    readonly maxValueBytes: number;
    readonly maxTtlMs: number;
    readonly maxListLimit: number;
    readonly defaultListLimit: number;
    readonly maxBatchOps: number;
    readonly maxRangeKeys: number;
    readonly maxResponseBytes: number;
    readonly maxInflightBytes: number;
    readonly maxInflightBytesPerConnection: number;
  };
  readonly checkpoint: { readonly everyRevisions: number; readonly intervalMs: number };
  readonly compaction: {
    readonly keepRevisions: number;
    readonly keepForMs: number;
    readonly intervalMs: number;
  };
  readonly expiry: { readonly sweepIntervalMs: number };
  readonly watch: {
    readonly progressIntervalMs: number;
    readonly maxBufferedEvents: number;
    readonly maxBufferedBytes: number;
    readonly maxBufferedBytesTotal: number;
  };
  readonly nats: {
    readonly url: string;
    readonly stream: string;
    readonly subjectPrefix: string;
    readonly required: boolean;
    /** How kvstore authenticates to NATS (events and a JetStream log): at most one of user/password, token, creds; '' = not set. */
    readonly user: string;
    readonly passwordFile: string;
    readonly tokenFile: string;
    readonly credsFile: string;
    /** TLS to NATS: a CA to trust, and a client certificate and key (mTLS). */
    readonly tlsCa: string;
    readonly tlsCert: string;
    readonly tlsKey: string;
  };
  readonly log: {
    /** Which backend holds the event log (log-url.ts). */
    readonly url: LogUrl;
    readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    readonly format: 'auto' | 'json' | 'pretty';
    readonly slowRequestMs: number;
  };
  readonly shutdown: { readonly timeoutMs: number };
  /** OpenTelemetry tracing (docs/tracing.md): off by default; the OTEL_* variables can turn it on too. */
  readonly tracing: { readonly enabled: boolean };
  /** Authentication (docs/security.md): '' = off, the default. */
  readonly security: {
    readonly apiKeysFile: string;
    /** Roles beyond the built-in admin, readwrite and readonly ('' = those only). */
    readonly rolesFile: string;
    /** Where the audit log goes: a file of JSON lines ('' = no audit log). */
    readonly auditFile: string;
    /** Data keys of encryption at rest (docs/security.md); '' = off unless KVSTORE_ENCRYPTION_KEY is set. */
    readonly encryptionKeyFile: string;
    /** JWT bearer tokens (docs/security.md): keys ('' = not used), and what the claims must say. */
    readonly jwtSecretFile: string;
    readonly jwtPublicKeyFile: string;
    readonly jwtJwksFile: string;
    /** JWKS fetched from the issuer (https, or http to loopback only; '' = not used). */
    readonly jwtJwksUrl: string;
    /** How often the fetched JWKS is fetched again (removed keys stop verifying). */
    readonly jwtJwksRefreshMs: number;
    /** A token with an unknown kid fetches the JWKS again at most this often. */
    readonly jwtJwksCooldownMs: number;
    readonly jwtIssuer: string;
    readonly jwtAudience: string;
    readonly jwtRolesClaim: string;
    readonly jwtClockSkewMs: number;
    /** Roles of client-certificate principals by subject CN (`*`: any other CN). */
    readonly clientCertRoles: ClientCertRoles;
    /** How often TLS files are looked at for changes (0 = read once, at start). */
    readonly tlsReloadIntervalMs: number;
    /** How often the keys, roles and JWT key files are looked at for changes (0 = read once, at start). */
    readonly reloadIntervalMs: number;
    /** etcd Authenticate calls a second per peer address (0 = no limit). */
    readonly authenticateRateLimit: number;
    /** Serve on non-loopback addresses without authentication (Redis's protected mode off). */
    readonly insecure: boolean;
  };
}
