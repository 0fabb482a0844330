import { Metadata, type ServiceError, status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GetResponse__Output } from '../../src/api/generated/kvstore/v1/GetResponse.js';
import type { KVClient } from '../../src/api/generated/kvstore/v1/KV.js';
import type { SetResponse__Output } from '../../src/api/generated/kvstore/v1/SetResponse.js';
import { type Admission, admission } from '../../src/api/grpc/admission.js';
import { type RunningGrpcServer, startGrpcServer } from '../../src/api/grpc/grpc-server.js';
import { kvstoreV1 } from '../../src/api/proto.js';
import { authFiles } from '../helpers/auth-files.js';
import { FLAG_END_STREAM, FRAME_DATA, FRAME_HEADERS, http2Tap } from '../helpers/http2-tap.js';
import { frame, rawExchange } from '../helpers/raw-grpc.js';
import { clients, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const MAX_RECEIVE = 64 * 1024;
const MAX_SEND = 32 * 1024;

/** A kvstore.v1.KV whose answers depend on the key: enough to see every way a unary call can end. */
function handlers(seen: { cancelled: string[]; peers: string[] }): UntypedServiceImplementation {
  type Call = {
    request: { key: string; value?: Buffer };
    metadata: Metadata;
    getPeer(): string;
    on(e: string, f: () => void): void;
  };
  type Callback = (err: Partial<ServiceError> | null, value?: unknown, trailer?: Metadata) => void;
  return {
    Get(call: Call, callback: Callback) {
      const { key } = call.request;
      seen.peers.push(call.getPeer());
      if (key === 'hang') {
        call.on('cancelled', () => seen.cancelled.push(key));
        return;
      }
      if (key === 'fail') {
        const trailers = new Metadata();
        trailers.set('current-revision', '4');
        callback({
          code: status.FAILED_PRECONDITION,
          details: 'revision: expected 3, found 4',
          metadata: trailers,
        });
        return;
      }
      if (key === 'throw') throw new Error('secret internals');
      if (key === 'big') {
        callback(null, { found: true, kv: { key, value: Buffer.alloc(MAX_SEND + 1, 7) } });
        return;
      }
      if (key === 'trailer') {
        const trailer = new Metadata();
        trailer.set('served-by', 'test');
        callback(null, { found: false, header: { revision: 9 } }, trailer);
        return;
      }
      const caller = call.metadata.get('x-caller')[0];
      callback(null, {
        found: true,
        header: { revision: 7 },
        kv: { key, value: Buffer.from(`value of ${key} for ${String(caller ?? 'nobody')}`) },
      });
    },
  };
}

interface Served {
  readonly server: RunningGrpcServer;
  readonly gate: Admission;
  readonly addr: string;
  readonly seen: { cancelled: string[]; peers: string[] };
}

const running: Served[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.server.shutdown(0);
});

async function serve(fast: boolean): Promise<Served> {
  const seen = { cancelled: [] as string[], peers: [] as string[] };
  const gate = admission({
    maxInflightBytes: 1 << 20,
    maxInflightBytesPerConnection: 1 << 20,
    maxRequestBytes: MAX_RECEIVE,
  });
  const server = await startGrpcServer(
    { kv: handlers(seen), admin: {} },
    {
      listen: '127.0.0.1:0',
      maxReceiveBytes: MAX_RECEIVE,
      maxSendBytes: MAX_SEND,
      interceptors: [gate.interceptor],
      fastUnary: fast ? { admission: gate } : undefined,
    },
  );
  const served = { server, gate, addr: `127.0.0.1:${server.port}`, seen };
  running.push(served);
  return served;
}

/** What a client sees of a call: the status, its details and trailers, or the answer. */
async function outcome(kv: KVClient, key: string, metadata = new Metadata()) {
  return new Promise<unknown>((resolve) => {
    const call = kv.Get({ key }, metadata, (err, res) =>
      resolve(
        err
          ? { code: err.code, details: err.details, trailers: err.metadata.get('current-revision') }
          : { res: JSON.parse(JSON.stringify(res)) },
      ),
    );
    call.on('status', () => {});
  });
}

/** GetRequest{key}: field 1, length-delimited. */
function getRequest(key: string): Buffer {
  const bytes = Buffer.from(key);
  return Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);
}

const GET = '/kvstore.v1.KV/Get';

describe('unary calls served straight from the HTTP/2 stream', () => {
  it('answer every outcome exactly as grpc-js does: values, statuses, details, trailers, limits', async () => {
    const [fast, plain] = [await serve(true), await serve(false)];
    expect(fast.server.fastUnary).not.toBeNull();
    expect(plain.server.fastUnary).toBeNull();
    const metadata = new Metadata();
    metadata.set('x-caller', 'alice');
    const answers = async ({ addr }: Served) => {
      const api = clients(addr);
      try {
        return {
          ok: await outcome(api.kv, 'a', metadata),
          fail: await outcome(api.kv, 'fail'),
          throws: await outcome(api.kv, 'throw'),
          big: await outcome(api.kv, 'big'),
          trailer: await outcome(api.kv, 'trailer'),
          emptyKey: await outcome(api.kv, ''),
          oversized: await unaryCall((cb) =>
            api.kv.Set({ key: 'k', value: Buffer.alloc(MAX_RECEIVE + 10) }, cb),
          ).then(
            () => 'answered',
            (err: ServiceError) => ({ code: err.code, details: err.details }),
          ),
        };
      } finally {
        api.close();
      }
    };
    const viaFast = await answers(fast);
    const viaGrpcJs = await answers(plain);
    expect(viaFast).toEqual(viaGrpcJs);
    expect(viaFast.ok).toEqual({
      res: { found: true, header: { revision: 7 }, kv: expect.objectContaining({ key: 'a' }) },
    });
    expect(
      Buffer.from(
        (viaFast.ok as { res: { kv: { value: { data: number[] } } } }).res.kv.value.data,
      ).toString(),
    ).toBe('value of a for alice');
    expect(viaFast.fail).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'revision: expected 3, found 4',
      trailers: ['4'],
    });
    expect(viaFast.throws).toEqual({ code: status.UNKNOWN, details: 'Unknown error', trailers: [] });
    expect(viaFast.big).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: expect.stringMatching(/^Sent message larger than max/),
    });
    expect(viaFast.oversized).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: expect.stringMatching(/^Received message larger than max/),
    });
    // Set has no handler here: grpc-js answers it (UNIMPLEMENTED) on either server, so only Gets went fast.
    expect(fast.server.fastUnary!.served()).toBeGreaterThanOrEqual(6);
    const trailer = await rawExchange(fast.addr, GET, frame(getRequest('trailer')));
    expect(trailer).toMatchObject({
      code: 0,
      message: 'OK',
      headers: expect.objectContaining({ 'served-by': 'test' }),
    });
  });

  it('refuses a body that is not exactly one message, a bad grpc-timeout, and a strictly malformed request, as grpc-js does', async () => {
    const [fast, plain] = [await serve(true), await serve(false)];
    const cases: [string, Buffer, Record<string, string>][] = [
      ['no message', Buffer.alloc(0), {}],
      ['two messages', frame(getRequest('a'), getRequest('b')), {}],
      ['cut short', frame(getRequest('abc')).subarray(0, 7), {}],
      ['bad timeout', frame(getRequest('a')), { 'grpc-timeout': 'soon' }],
      ['key of the wrong wire type', frame(Buffer.from([0x08, 0x01])), {}],
    ];
    for (const [name, body, headers] of cases) {
      const viaFast = await rawExchange(fast.addr, GET, body, headers);
      const viaGrpcJs = await rawExchange(plain.addr, GET, body, headers);
      expect(viaFast.code, name).toBe(viaGrpcJs.code);
      expect(viaFast.code, name).not.toBe(status.OK);
      expect(viaFast.messages, name).toEqual([]);
      if (name === 'bad timeout' || name === 'key of the wrong wire type')
        expect(viaFast.message, name).toBe(viaGrpcJs.message);
      else expect(viaFast.message, name).toContain(GET);
    }
    expect(fast.server.fastUnary!.served()).toBe(cases.length);
  });

  it('ends a call at its deadline, and releases what admission holds when the client goes', async () => {
    const fast = await serve(true);
    const late = await rawExchange(fast.addr, GET, frame(getRequest('hang')), { 'grpc-timeout': '100m' });
    expect(late).toMatchObject({ code: status.DEADLINE_EXCEEDED, message: 'Deadline exceeded' });
    await vi.waitFor(() => expect(fast.seen.cancelled).toEqual(['hang']));

    const api = clients(fast.addr);
    try {
      const call = api.kv.Get({ key: 'hang' }, () => {});
      await vi.waitFor(() => expect(fast.gate.stats().inflightBytes).toBeGreaterThan(0));
      call.cancel();
      await vi.waitFor(() =>
        expect([fast.seen.cancelled.length, fast.gate.stats().inflightBytes]).toEqual([2, 0]),
      );
    } finally {
      api.close();
    }
    expect(fast.seen.peers.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
  });

  it("sends an answer's message and its status in one socket write", async () => {
    const fast = await serve(true);
    const tap = await http2Tap(fast.addr);
    const api = clients(tap.addr);
    try {
      // Answers with and without trailers of the handler's own, sequential: each is a write of its own.
      for (const key of ['a', 'trailer', 'b', 'trailer', 'c', 'd', 'trailer', 'e']) {
        expect(await outcome(api.kv, key)).toHaveProperty('res');
      }
    } finally {
      api.close();
      await tap.close();
    }
    const frames = tap.frames().filter((f) => f.stream !== 0);
    const answered = [...new Set(frames.filter((f) => f.type === FRAME_DATA).map((f) => f.stream))];
    expect(answered).toHaveLength(8);
    for (const stream of answered) {
      const ofStream = frames.filter((f) => f.stream === stream);
      const status = ofStream.find((f) => f.type === FRAME_HEADERS && (f.flags & FLAG_END_STREAM) !== 0);
      // Headers, message and status arrived in the same read: the server sent them in one write.
      expect(new Set(ofStream.map((f) => f.chunk)).size, `stream ${stream}`).toBe(1);
      expect(status, `stream ${stream}`).toBeDefined();
    }
  });

  it('leaves streaming methods, unknown paths and compressed requests to grpc-js', async () => {
    const fast = await serve(true);
    const unknown = await rawExchange(fast.addr, '/kvstore.v1.KV/Nothing', frame(getRequest('a')));
    expect(unknown.code).toBe(status.UNIMPLEMENTED);
    const compressed = await rawExchange(fast.addr, GET, frame(getRequest('a')), { 'grpc-encoding': 'gzip' });
    expect(compressed.code).toBe(status.OK);
    expect(fast.server.fastUnary!.served()).toBe(0);
    const client = new kvstoreV1.KV(fast.addr, (await import('@grpc/grpc-js')).credentials.createInsecure());
    try {
      const ok = await new Promise<unknown>((resolve) =>
        client.Get({ key: 'z' }, (err, res) => resolve(err ?? res)),
      );
      expect(ok).toMatchObject({ found: true });
      expect(fast.server.fastUnary!.served()).toBe(1);
    } finally {
      client.close();
    }
  });
});

describe('the server', () => {
  it('serves unary calls fast by default, and through grpc-js when API keys are on or grpc.fastUnary is false', async () => {
    const dir = await tempDir();
    const { keys, flags } = await authFiles(dir, [['app', ['admin']]]);
    const modes: [string, string[], boolean][] = [
      ['default', [], true],
      ['turned off', ['--grpc-fast-unary', 'false'], false],
      ['API keys', flags, false],
    ];
    for (const [name, args, fast] of modes) {
      const server = await startServerProcess(await tempDir(), args);
      const api = clients(server.addr);
      try {
        const serving = server.logs.find((l) => l.msg === 'kvstore is serving');
        expect(serving?.fastUnary, name).toBe(fast);
        const metadata = new Metadata();
        metadata.set('authorization', `Bearer ${keys.app!}`);
        const set = await unaryCall<SetResponse__Output>((cb) =>
          api.kv.Set({ key: 'k', value: Buffer.from(name) }, metadata, cb),
        );
        const got = await unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key: 'k' }, metadata, cb));
        expect(got.kv?.value.toString(), name).toBe(name);
        expect(Number(got.kv?.mod_revision), name).toBe(Number(set.header!.revision));
      } finally {
        api.close();
        await server.stop();
      }
    }
  });
});
