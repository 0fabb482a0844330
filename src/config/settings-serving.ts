import type { Config } from './config.js';
import { address, boolean, bytes, duration, filePath, type Setting, setting, showMs } from './setting.js';

/** Where kvstore listens: gRPC, HTTP and the etcd API, with their TLS files. */
export const SERVING_SETTINGS: readonly Setting[] = [
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
    boolean,
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
];

/** The grpc, http, etcd parts of {@link Config} from parsed values by key. */
export function servingConfig(v: (key: string) => unknown): Pick<Config, 'grpc' | 'http' | 'etcd'> {
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
  };
}
