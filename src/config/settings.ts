import { formatLogUrl, LOG_URL_FORMS, type LogUrl, parseLogUrl } from '../log/log-url.js';
import { type ClientCertRoles, parseClientCertRoles, showClientCertRoles } from '../security/client-cert.js';
import { jwksUrlProblem } from '../security/remote-jwks.js';
import { formatMs, parseBytes, parseDuration } from './units.js';

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

/** How one setting is read, checked, shown and documented. */
export interface Setting {
  /** Dotted path in {@link Config} and in the config file, e.g. `grpc.listen`. */
  readonly key: string;
  readonly flag: string;
  readonly env: string;
  readonly default: unknown;
  /** One line for --help, --print-config and docs/configuration.md. */
  readonly description: string;
  /** What is allowed, as shown in error messages. */
  readonly allowed: string;
  /** Converts a raw value (a string from flags and env, anything from a file); null = not allowed. */
  parse(raw: unknown): unknown;
  /** Shows a value the way a user would write it. */
  show(value: unknown): string;
}

function setting(
  key: string,
  defaultValue: unknown,
  description: string,
  allowed: string,
  parse: (raw: unknown) => unknown,
  show: (value: unknown) => string = String,
): Setting {
  const words = key.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return {
    key,
    flag: `--${words.replace(/\./g, '-')}`,
    env: `KVSTORE_${words.replace(/[.-]/g, '_').toUpperCase()}`,
    default: defaultValue,
    description,
    allowed,
    parse,
    show,
  };
}

function address(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(raw.trim());
  if (!match || Number(match[2]) > 65535) return null;
  return raw.trim();
}

function integer(min: number, max: number): (raw: unknown) => number | null {
  return (raw) => {
    const n =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw)
          ? Number(raw)
          : Number.NaN;
    return Number.isInteger(n) && n >= min && n <= max ? n : null;
  };
}

function bytes(min: number, max: number): (raw: unknown) => number | null {
  return (raw) => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseBytes(raw) : null;
    return n !== null && Number.isInteger(n) && n >= min && n <= max ? n : null;
  };
}

function duration(min: number, max: number): (raw: unknown) => number | null {
  return (raw) => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseDuration(raw) : null;
    return n !== null && n >= min && n <= max ? n : null;
  };
}

function oneOf<T extends string>(...choices: T[]): (raw: unknown) => T | null {
  return (raw) => (typeof raw === 'string' && (choices as string[]).includes(raw) ? (raw as T) : null);
}

function natsUrl(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  if (raw === '') return '';
  return raw
    .split(',')
    .every((u) => /^(nats|tls|ws|wss):\/\/[^\s]+$/.test(u.trim()) || /^[^\s:/]+:\d+$/.test(u.trim()))
    ? raw
    : null;
}

const filePath = (raw: unknown): string | null => (typeof raw === 'string' ? raw : null);
const jwksUrl = (raw: unknown): string | null =>
  typeof raw === 'string' && (raw === '' || jwksUrlProblem(raw) === null) ? raw : null;

const showMs = (v: unknown) => formatMs(v as number);
const DAY = 86_400_000;

/** Every setting, in the order --print-config and the docs show them. */
export const SETTINGS: readonly Setting[] = [
  setting(
    'grpc.listen',
    '127.0.0.1:50051',
    'gRPC listen address',
    'HOST:PORT (port 0 picks a free one)',
    address,
  ),
  setting(
    'grpc.compressMinBytes',
    16 * 1024,
    'responses of at least this size are gzipped for clients that accept gzip (0: never)',
    'a size from 0 to 64MiB (e.g. 16KiB)',
    bytes(0, 64 * 1024 * 1024),
  ),
  setting(
    'grpc.fastUnary',
    true,
    'serve unary calls straight from their HTTP/2 stream instead of through grpc-js call objects, when no credential check, rate limit or tracing needs them (docs/operations.md)',
    'true or false',
    (raw) => (raw === true || raw === 'true' ? true : raw === false || raw === 'false' ? false : null),
  ),
  setting(
    'grpc.tlsCert',
    '',
    'TLS certificate chain (PEM file) of grpc.listen and etcd.listen; with grpc.tlsKey, they serve only TLS ("" = plaintext)',
    'a file path or empty',
    filePath,
  ),
  setting('grpc.tlsKey', '', 'private key (PEM file) of grpc.tlsCert', 'a file path or empty', filePath),
  setting(
    'grpc.tlsClientCa',
    '',
    'CA bundle (PEM file) client certificates must chain to: mTLS, a client without a valid certificate is refused ("" = none asked)',
    'a file path or empty',
    filePath,
  ),
  setting(
    'http.listen',
    '127.0.0.1:8080',
    'HTTP listen address for /metrics, /healthz, /readyz (and the JSON API and console, see http.api)',
    'HOST:PORT',
    address,
  ),
  setting(
    'http.api',
    'admin',
    'where the HTTP/JSON API (/v1/, docs/http.md) is served: admin (on http.listen), off, or its own HOST:PORT',
    'admin, off or HOST:PORT',
    (raw) => (raw === 'admin' || raw === 'off' ? raw : address(raw)),
  ),
  setting(
    'http.sseHeartbeat',
    15_000,
    'an idle SSE watch stream gets a heartbeat comment this often (keeps proxies from closing it)',
    'a duration from 1s to 10m',
    duration(1_000, 600_000),
    showMs,
  ),
  setting(
    'http.tlsCert',
    '',
    "TLS certificate chain (PEM file) of http.listen and the JSON API's own listener; with http.tlsKey they serve only HTTPS ('' = plaintext)",
    'a file path or empty',
    filePath,
  ),
  setting('http.tlsKey', '', 'private key (PEM file) of http.tlsCert', 'a file path or empty', filePath),
  setting(
    'http.tlsClientCa',
    '',
    'CA bundle (PEM file) client certificates of the HTTP listeners must chain to: mTLS, probes and scrapers need a certificate too ("" = none asked)',
    'a file path or empty',
    filePath,
  ),
  setting(
    'etcd.listen',
    'off',
    'where the etcd v3 API (docs/etcd.md) is also served on a port of its own (etcd clients default to 2379): off, or HOST:PORT; it is always served on grpc.listen too',
    'off or HOST:PORT',
    (raw) => (raw === 'off' ? raw : address(raw)),
  ),
  setting('data.dir', './data', 'data directory (SQLite log, checkpoints)', 'a directory path', (raw) =>
    typeof raw === 'string' && raw.length > 0 ? raw : null,
  ),
  setting(
    'data.durability',
    'fsync',
    'fsync: every acknowledged write survives power loss; relaxed: survives a process crash only',
    'fsync or relaxed',
    oneOf('fsync', 'relaxed'),
  ),
  setting(
    'data.acceptLogTruncation',
    false,
    'start even when a checkpoint or the NATS cursor shows the log lost acknowledged writes (they stay lost; their revisions are never reused)',
    'true or false',
    (raw) => (raw === true || raw === 'true' ? true : raw === false || raw === 'false' ? false : null),
  ),
  setting(
    'limits.maxKeyBytes',
    4096,
    'longest key, in UTF-8 bytes',
    'an integer from 1 to 65536',
    integer(1, 65536),
  ),
  setting(
    'limits.maxValueBytes',
    1024 * 1024,
    'largest value',
    'a size from 1 byte to 64MiB (e.g. 1048576, 512KiB, 4MiB)',
    bytes(1, 64 * 1024 * 1024),
  ),
  setting(
    'limits.maxTtl',
    365 * DAY,
    'longest TTL',
    'a duration from 1s to 3650d',
    duration(1000, 3650 * DAY),
    showMs,
  ),
  setting(
    'limits.maxListLimit',
    10_000,
    'most keys one List page may return',
    'an integer from 1 to 1000000',
    integer(1, 1_000_000),
  ),
  setting(
    'limits.defaultListLimit',
    1000,
    'keys per List page when the request says 0',
    'an integer from 1 to 1000000',
    integer(1, 1_000_000),
  ),
  setting(
    'limits.maxBatchOps',
    1000,
    'most items in one SetMany, GetMany or DeleteMany',
    'an integer from 1 to 100000',
    integer(1, 100_000),
  ),
  setting(
    'limits.maxRangeKeys',
    100_000,
    'most keys one range delete removes as one revision',
    'an integer from 1 to 10000000',
    integer(1, 10_000_000),
  ),
  setting(
    'limits.maxResponseBytes',
    4 * 1024 * 1024,
    'largest answer (at least twice limits.maxValueBytes); a write whose answer would be larger is refused unwritten',
    'a size from 64KiB to 1GiB (e.g. 4MiB)',
    bytes(64 * 1024, 1024 * 1024 * 1024),
  ),
  setting(
    'limits.maxInflightBytes',
    256 * 1024 * 1024,
    'request bytes the server holds at once (received, not yet answered); past it requests get RESOURCE_EXHAUSTED',
    'a size from 1MiB to 64GiB',
    bytes(1024 * 1024, 64 * 1024 * 1024 * 1024),
  ),
  setting(
    'limits.maxInflightBytesPerConnection',
    64 * 1024 * 1024,
    'request bytes one client connection may have in flight; past it its requests get RESOURCE_EXHAUSTED',
    'a size from 1MiB to 64GiB',
    bytes(1024 * 1024, 64 * 1024 * 1024 * 1024),
  ),
  setting(
    'checkpoint.everyRevisions',
    100_000,
    'write a checkpoint after this many revisions (0: only at shutdown)',
    'an integer from 0 to 1000000000',
    integer(0, 1_000_000_000),
  ),
  setting(
    'checkpoint.interval',
    10 * 60_000,
    'write a checkpoint this often when anything changed (0: never)',
    'a duration (0 to 7d)',
    duration(0, 7 * DAY),
    showMs,
  ),
  setting(
    'compaction.keepRevisions',
    0,
    'auto-compaction keeps this many newest revisions (0: no limit by count)',
    'an integer from 0 to 1000000000000',
    integer(0, 1_000_000_000_000),
  ),
  setting(
    'compaction.keepFor',
    0,
    'auto-compaction keeps the history of this long (0: no limit by age)',
    'a duration (0 to 3650d)',
    duration(0, 3650 * DAY),
    (v) => (v === 0 ? '0' : formatMs(v as number)),
  ),
  setting(
    'compaction.interval',
    5 * 60_000,
    'auto-compaction runs this often (if a keep setting is not 0)',
    'a duration from 100ms to 1d',
    duration(100, DAY),
    showMs,
  ),
  setting(
    'expiry.sweepInterval',
    100,
    'expired keys get their EXPIRE event within this long of the deadline',
    'a duration from 10ms to 1m',
    duration(10, 60_000),
    showMs,
  ),
  setting(
    'watch.progressInterval',
    10_000,
    'idle watchers get a progress message this often',
    'a duration from 100ms to 1h',
    duration(100, 3_600_000),
    showMs,
  ),
  setting(
    'watch.maxBufferedEvents',
    1000,
    'events queued for one slow watcher before it is served from the log instead',
    'an integer from 10 to 1000000',
    integer(10, 1_000_000),
  ),
  setting(
    'watch.maxBufferedBytes',
    8 * 1024 * 1024,
    'bytes of messages one slow watcher may hold (queued and in its HTTP/2 buffers) before it is served from the log instead',
    'a size from 64KiB to 1GiB',
    bytes(64 * 1024, 1024 * 1024 * 1024),
  ),
  setting(
    'watch.maxBufferedBytesTotal',
    256 * 1024 * 1024,
    'bytes of messages all slow watchers may hold together; past it a slow watcher is served from the log instead',
    'a size from 1MiB to 64GiB',
    bytes(1024 * 1024, 64 * 1024 * 1024 * 1024),
  ),
  setting(
    'nats.url',
    '',
    'NATS server(s) to publish every change to ("" = off)',
    'nats://HOST:PORT[,...] or empty',
    natsUrl,
  ),
  setting(
    'nats.stream',
    '',
    'JetStream stream to publish into ("" = core NATS subjects)',
    'a stream name or empty',
    (raw) => (typeof raw === 'string' && /^[A-Za-z0-9_-]*$/.test(raw) ? raw : null),
  ),
  setting(
    'nats.subjectPrefix',
    'kvstore.events',
    'subject prefix of published changes',
    'NATS subject tokens, e.g. kvstore.events',
    (raw) => (typeof raw === 'string' && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(raw) ? raw : null),
  ),
  setting(
    'nats.required',
    false,
    '/readyz answers 503 while NATS is disconnected (default: NATS down never makes kvstore unready)',
    'true or false',
    (raw) => (raw === true || raw === 'true' ? true : raw === false || raw === 'false' ? false : null),
  ),
  setting(
    'nats.user',
    '',
    'user name kvstore connects to NATS with (the event publisher and a nats:// log), with nats.passwordFile',
    'a NATS user name or empty',
    (raw) => (typeof raw === 'string' ? raw : null),
  ),
  setting(
    'nats.passwordFile',
    '',
    'file holding the password of nats.user',
    'a file path or empty',
    filePath,
  ),
  setting(
    'nats.tokenFile',
    '',
    'file holding the token kvstore connects to NATS with',
    'a file path or empty',
    filePath,
  ),
  setting(
    'nats.credsFile',
    '',
    'NATS .creds file (user JWT and NKey seed) kvstore connects with',
    'a file path or empty',
    filePath,
  ),
  setting(
    'nats.tlsCa',
    '',
    "CA bundle (PEM file) the NATS servers' certificates must chain to",
    'a file path or empty',
    filePath,
  ),
  setting(
    'nats.tlsCert',
    '',
    'client certificate (PEM file) kvstore presents to NATS (with nats.tlsKey), for a server that verifies clients',
    'a file path or empty',
    filePath,
  ),
  setting('nats.tlsKey', '', 'private key (PEM file) of nats.tlsCert', 'a file path or empty', filePath),
  setting(
    'log.url',
    { scheme: 'sqlite', path: null },
    'where the event log lives: SQLite in the data directory (default), or a NATS JetStream stream shared by a cluster (docs/cluster.md)',
    LOG_URL_FORMS,
    (raw) => {
      if (typeof raw !== 'string') return null;
      try {
        return parseLogUrl(raw);
      } catch {
        return null;
      }
    },
    (value) => formatLogUrl(value as LogUrl),
  ),
  setting(
    'log.level',
    'info',
    'log level',
    'fatal, error, warn, info, debug, trace or silent',
    oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  ),
  setting(
    'log.format',
    'auto',
    'json, pretty, or auto (pretty when a terminal is attached)',
    'auto, json or pretty',
    oneOf('auto', 'json', 'pretty'),
  ),
  setting(
    'log.slowRequest',
    100,
    'requests slower than this are logged as warnings',
    'a duration from 1ms to 1h',
    duration(1, 3_600_000),
    showMs,
  ),
  setting(
    'shutdown.timeout',
    10_000,
    'on SIGTERM, in-flight requests get this long to finish',
    'a duration from 0 to 10m',
    duration(0, 600_000),
    showMs,
  ),
  setting(
    'tracing.enabled',
    false,
    'export OpenTelemetry traces over OTLP/HTTP (endpoint from OTEL_EXPORTER_OTLP_ENDPOINT); OTEL_TRACES_EXPORTER or an OTLP endpoint variable turn it on too (docs/tracing.md)',
    'true or false',
    (raw) => (raw === true || raw === 'true' ? true : raw === false || raw === 'false' ? false : null),
  ),
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
    (v) => formatMs(v as number),
  ),
  setting(
    'security.jwtJwksCooldown',
    30_000,
    'a token whose kid the fetched JWKS lacks fetches it again at most this often (a new signing key is accepted within it)',
    'a duration from 0 to 1h',
    duration(0, 3_600_000),
    (v) => (v === 0 ? '0' : formatMs(v as number)),
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
    (v) => (v === 0 ? '0' : formatMs(v as number)),
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
    (v) => (v === 0 ? '0' : formatMs(v as number)),
  ),
  setting(
    'security.reloadInterval',
    10_000,
    'how often security.apiKeysFile, security.rolesFile and the JWT key files are looked at; a changed file that parses and is consistent is used without a restart (a bad edit is logged and the previous contents stay; 0: read once, at start)',
    'a duration from 0 to 1d',
    duration(0, DAY),
    (v) => (v === 0 ? '0' : formatMs(v as number)),
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
    (raw) => (raw === true || raw === 'true' ? true : raw === false || raw === 'false' ? false : null),
  ),
];

/** The settings as a map by key. */
export const SETTINGS_BY_KEY: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((s) => [s.key, s]));

/** Keys of the file/flag names that are durations, mapped onto the millisecond fields of {@link Config}. */
export function toConfig(values: ReadonlyMap<string, unknown>): Config {
  const v = (key: string) => values.get(key);
  return {
    grpc: {
      listen: v('grpc.listen') as string,
      compressMinBytes: v('grpc.compressMinBytes') as number,
      fastUnary: v('grpc.fastUnary') as boolean,
      tlsCert: v('grpc.tlsCert') as string,
      tlsKey: v('grpc.tlsKey') as string,
      tlsClientCa: v('grpc.tlsClientCa') as string,
    },
    http: {
      listen: v('http.listen') as string,
      api: v('http.api') as string,
      sseHeartbeatMs: v('http.sseHeartbeat') as number,
      tlsCert: v('http.tlsCert') as string,
      tlsKey: v('http.tlsKey') as string,
      tlsClientCa: v('http.tlsClientCa') as string,
    },
    etcd: { listen: v('etcd.listen') as string },
    data: {
      dir: v('data.dir') as string,
      durability: v('data.durability') as Config['data']['durability'],
      acceptLogTruncation: v('data.acceptLogTruncation') as boolean,
    },
    limits: {
      maxKeyBytes: v('limits.maxKeyBytes') as number,
      maxValueBytes: v('limits.maxValueBytes') as number,
      maxTtlMs: v('limits.maxTtl') as number,
      maxListLimit: v('limits.maxListLimit') as number,
      defaultListLimit: v('limits.defaultListLimit') as number,
      maxBatchOps: v('limits.maxBatchOps') as number,
      maxRangeKeys: v('limits.maxRangeKeys') as number,
      maxResponseBytes: v('limits.maxResponseBytes') as number,
      maxInflightBytes: v('limits.maxInflightBytes') as number,
      maxInflightBytesPerConnection: v('limits.maxInflightBytesPerConnection') as number,
    },
    checkpoint: {
      everyRevisions: v('checkpoint.everyRevisions') as number,
      intervalMs: v('checkpoint.interval') as number,
    },
    compaction: {
      keepRevisions: v('compaction.keepRevisions') as number,
      keepForMs: v('compaction.keepFor') as number,
      intervalMs: v('compaction.interval') as number,
    },
    expiry: { sweepIntervalMs: v('expiry.sweepInterval') as number },
    watch: {
      progressIntervalMs: v('watch.progressInterval') as number,
      maxBufferedEvents: v('watch.maxBufferedEvents') as number,
      maxBufferedBytes: v('watch.maxBufferedBytes') as number,
      maxBufferedBytesTotal: v('watch.maxBufferedBytesTotal') as number,
    },
    nats: {
      url: v('nats.url') as string,
      stream: v('nats.stream') as string,
      subjectPrefix: v('nats.subjectPrefix') as string,
      required: v('nats.required') as boolean,
      user: v('nats.user') as string,
      passwordFile: v('nats.passwordFile') as string,
      tokenFile: v('nats.tokenFile') as string,
      credsFile: v('nats.credsFile') as string,
      tlsCa: v('nats.tlsCa') as string,
      tlsCert: v('nats.tlsCert') as string,
      tlsKey: v('nats.tlsKey') as string,
    },
    log: {
      url: v('log.url') as LogUrl,
      level: v('log.level') as Config['log']['level'],
      format: v('log.format') as Config['log']['format'],
      slowRequestMs: v('log.slowRequest') as number,
    },
    shutdown: { timeoutMs: v('shutdown.timeout') as number },
    tracing: { enabled: v('tracing.enabled') as boolean },
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
