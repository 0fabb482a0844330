import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';

/** The subject CN of the request's client certificate, when the TLS handshake verified one (mTLS). */
export function httpPeerCommonName(req: IncomingMessage): string | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}
