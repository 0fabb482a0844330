import type { Config } from '../config/config.js';

/** Hosts that only this machine can reach. */
function isLoopback(listen: string): boolean {
  const host = listen
    .slice(0, listen.lastIndexOf(':'))
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Redis's protected mode, for kvstore (issue 13, item 8): a listener that serves keys (grpc.listen,
 * etcd.listen, the JSON API on http.listen or its own address) bound to anything but loopback, with no
 * credential checked, is refused unless security.insecure says so. mTLS on a listener counts as
 * authentication there; /metrics, /healthz and /readyz alone (http.listen when the JSON API is elsewhere
 * or off) need none. Returns the refusal, or null.
 */
export function exposureProblem(config: Config, authOn: boolean): string | null {
  if (authOn || config.security.insecure) return null;
  const exposed: string[] = [];
  const grpcMtls = config.grpc.tlsClientCa !== '';
  const httpMtls = config.http.tlsClientCa !== '';
  if (!grpcMtls && !isLoopback(config.grpc.listen)) exposed.push(`grpc.listen ${config.grpc.listen}`);
  if (!grpcMtls && config.etcd.listen !== 'off' && !isLoopback(config.etcd.listen))
    exposed.push(`etcd.listen ${config.etcd.listen}`);
  if (!httpMtls && config.http.api === 'admin' && !isLoopback(config.http.listen))
    exposed.push(`http.listen ${config.http.listen} (with the JSON API, http.api admin)`);
  const api = config.http.api;
  if (!httpMtls && api !== 'admin' && api !== 'off' && !isLoopback(api)) exposed.push(`http.api ${api}`);
  if (exposed.length === 0) return null;
  return (
    `${exposed.join(', ')}: reachable from other machines with no authentication, so anyone who can reach ` +
    'it could read, write and delete every key. Configure credentials (security.apiKeysFile, security.jwt*, ' +
    'or mTLS: grpc.tlsClientCa / http.tlsClientCa; see docs/security.md), listen on 127.0.0.1, or start ' +
    'with --insecure (security.insecure: true) to serve without authentication anyway'
  );
}
