import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, op, UnavailableError } from '../../src/client/index.js';

// Fake gRPC endpoints that fail in a chosen way, counting the requests that reach them: the retry policy
// (docs/client.md, "Retries") seen from the server's side.
const servers: Http2Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function fakeServer(
  onRequest: (stream: ServerHttp2Stream) => void,
): Promise<{ addr: string; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer();
  server.on('stream', (stream, headers) => {
    paths.push(String(headers[':path']));
    stream.on('data', () => undefined);
    stream.on('end', () => onRequest(stream));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { addr: `127.0.0.1:${(server.address() as { port: number }).port}`, paths };
}

/** Answers every call with UNAVAILABLE (a server shutting down, or its log unreachable). */
const answersUnavailable = (stream: ServerHttp2Stream) =>
  stream.respond(
    {
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': '14',
      'grpc-message': 'shutting down',
    },
    { endStream: true },
  );

/** Reads the request, then drops the connection without an answer (a crash mid-call). */
const dropsConnection = (stream: ServerHttp2Stream) => stream.session?.destroy();

const retry = { maxAttempts: 4, initialMs: 1, maxMs: 5 };

describe('TypeScript client: retry policy', () => {
  it('retries an idempotent read on UNAVAILABLE, up to maxAttempts', async () => {
    const fake = await fakeServer(answersUnavailable);
    const c = connect({ endpoints: [fake.addr], retry });
    try {
      const err = await c.get('k').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect(fake.paths).toEqual(Array.from({ length: 4 }, () => '/kvstore.v1.KV/Get'));
    } finally {
      c.close();
    }
  });

  it('never resends a write that reached a server: one attempt, outcomeUnknown when no answer came', async () => {
    for (const behaviour of [answersUnavailable, dropsConnection]) {
      const fake = await fakeServer(behaviour);
      const c = connect({ endpoints: [fake.addr], retry });
      try {
        for (const write of [
          () => c.set('k', 'v'),
          () => c.delete('k'),
          () => c.setMany([{ key: 'k', value: 'v' }]),
          () => c.deleteRange({ prefix: 'k' }),
          () => c.txn().onSuccess(op.set('k', 'v')).commit(),
        ]) {
          fake.paths.length = 0;
          const err = await write().catch((e: unknown) => e);
          expect(err).toBeInstanceOf(UnavailableError);
          expect((err as UnavailableError).outcomeUnknown).toBe(true);
          expect(fake.paths).toHaveLength(1);
        }
      } finally {
        c.close();
      }
    }
  });

  it('retries a read when the connection drops mid-call, and a read-only txn', async () => {
    const fake = await fakeServer(dropsConnection);
    const c = connect({ endpoints: [fake.addr], retry });
    try {
      await expect(c.getMany(['a'])).rejects.toBeInstanceOf(UnavailableError);
      expect(fake.paths).toHaveLength(4);
      fake.paths.length = 0;
      await expect(c.txn().onSuccess().commit()).rejects.toBeInstanceOf(UnavailableError);
      expect(fake.paths).toHaveLength(4);
    } finally {
      c.close();
    }
  });
});
