import { connect as http2Connect } from 'node:http2';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ListResponse__Output } from '../../src/api/generated/kvstore/v1/ListResponse.js';
import { kvstoreV1 } from '../../src/api/proto.js';
import { clients, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const listMethod = kvstoreV1.KV.service.List;

/** One unary gRPC call over raw HTTP/2, to see the wire: response headers and the message frame. */
function rawList(
  addr: string,
  acceptEncoding: string | null,
): Promise<{ encoding: string | undefined; flag: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://${addr}`);
    const request = listMethod.requestSerialize({ prefix: 'big/', limit: 100 } as never);
    const frame = Buffer.alloc(5 + request.length);
    frame.writeUInt32BE(request.length, 1);
    request.copy(frame, 5);
    const headers: Record<string, string> = {
      ':method': 'POST',
      ':path': listMethod.path,
      'content-type': 'application/grpc',
      te: 'trailers',
    };
    if (acceptEncoding !== null) headers['grpc-accept-encoding'] = acceptEncoding;
    const stream = session.request(headers);
    let encoding: string | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      encoding = h['grpc-encoding'] as string | undefined;
    });
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => {
      session.close();
      const data = Buffer.concat(chunks);
      resolve({ encoding, flag: data[0]!, body: data.subarray(5, 5 + data.readUInt32BE(1)) });
    });
    stream.on('error', reject);
    stream.end(frame);
  });
}

describe('response compression', () => {
  it('gzips large responses for clients that accept gzip, and only for them', async () => {
    const server = await startServerProcess(await tempDir(), ['--grpc-compress-min-bytes', '4KiB']);
    const api = clients(server.addr);
    const value = Buffer.from('compressible '.repeat(100));
    await unaryCall((cb) =>
      api.kv.SetMany({ items: Array.from({ length: 50 }, (_, i) => ({ key: `big/${i}`, value })) }, cb),
    );

    const gz = await rawList(server.addr, 'identity,deflate,gzip');
    expect(gz.encoding).toBe('gzip');
    expect(gz.flag).toBe(1);
    const decoded = listMethod.responseDeserialize(gunzipSync(gz.body)) as ListResponse__Output;
    expect(decoded.kvs).toHaveLength(50);
    expect(gz.body.length).toBeLessThan((value.length * 50) / 5);

    const plain = await rawList(server.addr, null);
    expect(plain.encoding ?? 'identity').toBe('identity');
    expect(plain.flag).toBe(0);
    expect((listMethod.responseDeserialize(plain.body) as ListResponse__Output).kvs).toHaveLength(50);

    // An ordinary grpc-js client negotiates it transparently.
    const listed = await unaryCall<ListResponse__Output>((cb) => api.kv.List({ prefix: 'big/' }, cb));
    expect(listed.kvs[49]!.value).toEqual(value);
    api.close();
    await server.stop();
  });
});
