/**
 * `log.url`: which backend holds the log. One parser, used by the configuration (to refuse a bad value at
 * start-up with the setting's name) and by the factory that opens the log.
 */
export type LogUrl =
  /** The embedded SQLite log; `path` null means `<data dir>/log.sqlite`. */
  | { readonly scheme: 'sqlite'; readonly path: string | null }
  /** A NATS JetStream stream shared by every kvstore node of a cluster; revision = stream sequence. */
  | {
      readonly scheme: 'nats';
      /** `nats://host:port` of each server given. */
      readonly servers: readonly string[];
      readonly stream: string;
      /** Copies of the stream when kvstore creates it (1..5; an existing stream keeps its own). */
      readonly replicas: number;
      /** How long a write waits for the stream (riding out a leader election) before UNAVAILABLE. */
      readonly timeoutMs: number;
    }
  /** In process memory, gone with the process: unit tests and throwaway stores. */
  | { readonly scheme: 'memory' }
  /** A table in a PostgreSQL database shared by every kvstore node of a cluster; revision = primary key. */
  | PostgresLogUrl;

/** `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?table=NAME]`. */
export interface PostgresLogUrl {
  readonly scheme: 'postgres';
  readonly user: string;
  /** Null: none in the URL (trust or peer auth, or PGPASSWORD / ~/.pgpass as libpq-style clients read). */
  readonly password: string | null;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The records' table (its meta table is `<table>_meta`). */
  readonly table: string;
  /**
   * How long a write waits for the log's lock (another node's group commit) before UNAVAILABLE; also how
   * long a node may sit inside a transaction without a statement before PostgreSQL ends its session (a
   * frozen node then releases the lock).
   */
  readonly timeoutMs: number;
}

/** What `log.url` accepts, for error messages and --help. */
export const LOG_URL_FORMS =
  'sqlite:, sqlite:PATH, nats://HOST:PORT[,HOST:PORT...]/STREAM[?replicas=N&timeout=DURATION], ' +
  'postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?table=NAME&timeout=DURATION] or memory:';

/** The PostgreSQL log's table unless the URL names one. */
export const DEFAULT_POSTGRES_TABLE = 'kvstore_log';

/** A plain, unquoted PostgreSQL identifier (lower case, so it needs no quoting), leaving room for `_meta`. */
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,57}$/;

/** A write's default wait for the stream: a leader election on nats-server 2.9 stalls writes ~5 s. */
const DEFAULT_TIMEOUT_MS = 15_000;

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const HOST_PORT = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/** Parses a `log.url`; throws an Error saying what is wrong with it. */
export function parseLogUrl(raw: string): LogUrl {
  const url = raw.trim();
  if (url === 'sqlite:' || url === '') return { scheme: 'sqlite', path: null };
  if (url.startsWith('sqlite:')) return { scheme: 'sqlite', path: url.slice('sqlite:'.length) };
  if (url === 'memory:') return { scheme: 'memory' };
  if (url.startsWith('nats://')) return parseNatsUrl(url);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return parsePostgresUrl(url);
  throw new Error(`"${raw}" is not a log URL (${LOG_URL_FORMS})`);
}

function parseNatsUrl(url: string): LogUrl {
  // Each server may carry its own scheme, as NATS clients accept: nats://a:4222,nats://b:4222/STREAM.
  const rest = url.slice('nats://'.length).replace(/,\s*nats:\/\//g, ',');
  const slash = rest.indexOf('/');
  if (slash < 0) throw new Error(`"${url}" names no stream: add /STREAM after the servers`);
  const [path, query = ''] = rest.slice(slash + 1).split('?', 2) as [string, string?];
  const servers = rest
    .slice(0, slash)
    .split(',')
    .map((s) => s.trim().replace(/^nats:\/\//, ''));
  for (const server of servers) {
    const match = HOST_PORT.exec(server);
    if (!match || Number(match[2]) > 65535) throw new Error(`"${server}" in "${url}" is not HOST:PORT`);
  }
  if (!STREAM_NAME.test(path))
    throw new Error(`stream "${path}" in "${url}" must be 1-64 letters, digits, "-" or "_"`);
  let replicas = 1;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  for (const pair of query.split('&').filter((p) => p !== '')) {
    const [name, value = ''] = pair.split('=', 2) as [string, string?];
    if (name === 'replicas') {
      replicas = Number(value);
      if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)
        throw new Error(`"${url}": replicas must be a whole number from 1 to 5, got "${value}"`);
    } else if (name === 'timeout') {
      const ms = durationMs(value);
      if (ms === null || ms < 100 || ms > 600_000)
        throw new Error(`"${url}": timeout must be a duration from 100ms to 10m, got "${value}"`);
      timeoutMs = ms;
    } else throw new Error(`"${url}": unknown option "${name}" (known: replicas, timeout)`);
  }
  return { scheme: 'nats', servers: servers.map((s) => `nats://${s}`), stream: path, replicas, timeoutMs };
}

function parsePostgresUrl(raw: string): PostgresLogUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(
      `"${redactPassword(raw)}" is not a URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?table=NAME])`,
    );
  }
  const shown = redactPassword(raw);
  if (url.hostname === '') throw new Error(`"${shown}" names no host`);
  if (url.username === '') throw new Error(`"${shown}" names no user: postgres://USER@HOST/DATABASE`);
  const port = url.port === '' ? 5432 : Number(url.port);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/'))
    throw new Error(`"${shown}" names no database: add /DATABASE after the host`);
  if (url.hash !== '') throw new Error(`"${shown}": a log URL has no #fragment`);
  let table = DEFAULT_POSTGRES_TABLE;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  for (const [name, value] of url.searchParams) {
    if (name === 'timeout') {
      const ms = durationMs(value);
      if (ms === null || ms < 100 || ms > 600_000)
        throw new Error(`"${shown}": timeout must be a duration from 100ms to 10m, got "${value}"`);
      timeoutMs = ms;
      continue;
    }
    if (name === 'table') {
      if (!TABLE_NAME.test(value))
        throw new Error(
          `"${shown}": table must be 1-58 lower-case letters, digits or "_", not starting with a digit, got "${value}"`,
        );
      table = value;
    } else throw new Error(`"${shown}": unknown option "${name}" (known: table, timeout)`);
  }
  return {
    scheme: 'postgres',
    user: decodeURIComponent(url.username),
    password: url.password === '' ? null : decodeURIComponent(url.password),
    // IPv6 hosts come back from URL in brackets; the driver wants them bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    database,
    table,
    timeoutMs,
  };
}

/** The URL with its password (if any) replaced by `***`, for messages and status pages. */
export function redactPassword(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

/** The URL written back in its canonical form (for status pages and --print-config). */
export function formatLogUrl(url: LogUrl): string {
  if (url.scheme === 'sqlite') return url.path === null ? 'sqlite:' : `sqlite:${url.path}`;
  if (url.scheme === 'memory') return 'memory:';
  if (url.scheme === 'postgres') {
    const password = url.password === null ? '' : `:${encodeURIComponent(url.password)}`;
    const host = url.host.includes(':') ? `[${url.host}]` : url.host;
    const options = [
      ...(url.table === DEFAULT_POSTGRES_TABLE ? [] : [`table=${url.table}`]),
      ...(url.timeoutMs === DEFAULT_TIMEOUT_MS ? [] : [`timeout=${url.timeoutMs}ms`]),
    ];
    const query = options.length === 0 ? '' : `?${options.join('&')}`;
    return `postgres://${encodeURIComponent(url.user)}${password}@${host}:${url.port}/${encodeURIComponent(url.database)}${query}`;
  }
  const hosts = url.servers.map((s) => s.replace(/^nats:\/\//, '')).join(',');
  const options = [
    ...(url.replicas === 1 ? [] : [`replicas=${url.replicas}`]),
    ...(url.timeoutMs === DEFAULT_TIMEOUT_MS ? [] : [`timeout=${url.timeoutMs}ms`]),
  ];
  return `nats://${hosts}/${url.stream}${options.length === 0 ? '' : `?${options.join('&')}`}`;
}

/** `250ms`, `5s`, `2m` (the URL's own small duration syntax); null when it is not one. */
function durationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) return null;
  return Math.round(Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm']);
}
