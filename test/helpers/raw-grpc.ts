import { connect as http2Connect } from 'node:http2';

/** What a raw gRPC call came back with. */
export interface RawAnswer {
  readonly code: number;
  readonly message: string;
  readonly messages: Buffer[];
}

/** One gRPC call over raw HTTP/2 with `body` as the request message, byte for byte as given. */
export function rawCall(addr: string, path: string, body: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://${addr}`);
    session.on('error', reject);
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let headers: Record<string, unknown> = {};
    let trailers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      headers = h;
    });
    stream.on('trailers', (t) => {
      trailers = t;
    });
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => {
      session.close();
      const data = Buffer.concat(chunks);
      const messages: Buffer[] = [];
      for (let at = 0; at + 5 <= data.length; at += 5 + data.readUInt32BE(at + 1)) {
        messages.push(data.subarray(at + 5, at + 5 + data.readUInt32BE(at + 1)));
      }
      // A trailers-only answer carries the status in its headers.
      const code = Number(trailers['grpc-status'] ?? headers['grpc-status']);
      const message = decodeURIComponent(String(trailers['grpc-message'] ?? headers['grpc-message'] ?? ''));
      resolve({ code, message, messages });
    });
    stream.on('error', reject);
    stream.end(frame);
  });
}
