import { experimental, ServerCredentials } from '@grpc/grpc-js';
import { type TlsFiles, TlsFileWatch, type TlsReloadEvent } from './tls-files.js';

export type { TlsFiles };

/**
 * The credentials of a gRPC listener: plaintext when no certificate is set, TLS otherwise, and mTLS (a client
 * certificate chaining to tlsClientCa is required) when a client CA is set. The files are read and checked
 * now; with `reloadMs` > 0 they are looked at again that often and a changed certificate, key or CA is used
 * for new connections without a restart (see {@link TlsFileWatch}).
 */
export function grpcServerCredentials(
  files: TlsFiles,
  reloadMs = 0,
  onEvent?: (event: TlsReloadEvent) => void,
): ServerCredentials {
  if (files.tlsCert === '') return ServerCredentials.createInsecure();
  const watch = new TlsFileWatch(files, 'grpc', reloadMs, onEvent);
  const mtls = files.tlsClientCa !== '';
  if (reloadMs === 0) {
    const { cert, key, ca } = watch.current;
    return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], mtls);
  }
  // grpc-js 1.14 names this function's first parameter caCertificateProvider but uses it as the identity
  // (certificate and key) provider, the second as the CA's; one object serves both here, and the TLS reload
  // test (test/security/tls-reload.test.ts) would catch a change of that order.
  return experimental.createCertificateProviderServerCredentials(watch, mtls ? watch : null, mtls);
}
