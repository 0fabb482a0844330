import { readFileSync } from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';

/** The TLS files of a gRPC listener ('' = not set). */
export interface TlsFiles {
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly tlsClientCa: string;
}

/**
 * The credentials of a gRPC listener: plaintext when no certificate is set, TLS otherwise, and mTLS (a client
 * certificate chaining to tlsClientCa is required) when a client CA is set. Files are read once, at start.
 */
export function grpcServerCredentials(files: TlsFiles): ServerCredentials {
  if (files.tlsCert === '') return ServerCredentials.createInsecure();
  const read = (setting: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${setting} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  };
  const cert = read('grpc.tlsCert', files.tlsCert);
  const key = read('grpc.tlsKey', files.tlsKey);
  const ca = files.tlsClientCa === '' ? null : read('grpc.tlsClientCa', files.tlsClientCa);
  try {
    return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
  } catch (err) {
    throw new Error(`grpc.tlsCert / grpc.tlsKey: ${(err as Error).message}`);
  }
}
