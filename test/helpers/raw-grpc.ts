import { connect as http2Connect } from 'node:http2';

/** What a raw gRPC call came back with. */
export interface RawAnswer {
  /** grpc-status (NaN when the answer had none). */
  readonly code: number;
  readonly message: string;
  readonly messages: Buffer[];
  /** The response headers and trailers, merged. */
  readonly headers: Record<string, unknown>;
}

/** One gRPC call over raw HTTP/2 with `body` as the request message, byte for byte as given. */
export function rawCall(addr: string, path: string, body: Buffer): Promise<RawAnswer> {
  return rawExchange(addr, path, frame(body));
}

/** Frames each message as gRPC does (flag 0, length, bytes). */
export function frame(...messages: Buffer[]): Buffer {
  return Buffer.concat(
    messages.map((m) => {
      const head = Buffer.alloc(5);
      head.writeUInt32BE(m.length, 1);
      return Buffer.concat([head, m]);
    }),
  );
}

/**
 * Sends `wire` as the request body exactly (no framing added), with `headers` beside the gRPC ones, and
 * reads the answer until the stream closes (a trailers-only answer carries its status in its headers).
 */
export function rawExchange(
  addr: string,
  path: string,
  wire: Buffer,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://${addr}`);
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let head: Record<string, unknown> = {};
    let trailers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      head = h;
    });
    stream.on('trailers', (t) => {
      trailers = t;
    });
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('close', () => {
      session.close();
      const data = Buffer.concat(chunks);
      const messages: Buffer[] = [];
      for (let at = 0; at + 5 <= data.length; at += 5 + data.readUInt32BE(at + 1)) {
        messages.push(data.subarray(at + 5, at + 5 + data.readUInt32BE(at + 1)));
      }
      const all = { ...head, ...trailers };
      const code = all['grpc-status'] === undefined ? Number.NaN : Number(all['grpc-status']);
      resolve({
        code,
        message: decodeURIComponent(String(all['grpc-message'] ?? '')),
        messages,
        headers: all,
      });
    });
    stream.on('error', reject);
    stream.end(wire);
  });
}
