import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Metadata } from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { connect, type Msg, type NatsConnection } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { type NatsServer, natsServer } from '../helpers/nats-server.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { type OtlpReceiver, otlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

/** Every OTEL_* variable of the test's own environment removed, so only what a test sets counts. */
function withoutOtel(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('OTEL_')) out[k] = v;
  return out;
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A W3C traceparent of a client span of our own: the trace id and span id the server must continue. */
function clientTraceparent(): { traceId: string; spanId: string; header: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}

function httpPut(port: number, path: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'PUT', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** nats-server, a subscriber on every change subject, and the OTLP receiver. */
async function surroundings(): Promise<{
  nats: NatsServer;
  nc: NatsConnection;
  messages: Msg[];
  receiver: OtlpReceiver;
}> {
  const nats = await natsServer(await tempDir('kvstore-nats-'));
  await nats.start();
  cleanups.push(() => nats.stop());
  const receiver = await otlpReceiver();
  cleanups.push(() => receiver.close());
  const nc = await connect({ servers: nats.url });
  cleanups.push(() => nc.close());
  const messages: Msg[] = [];
  nc.subscribe('kvstore.events.>', { callback: (_err, msg) => messages.push(msg) });
  await nc.flush();
  return { nats, nc, messages, receiver };
}

async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const server = await startServerProcess(await tempDir(), args, env);
  cleanups.push(() => server.stop());
  return server;
}

describe('OpenTelemetry tracing', () => {
  it("follows a Set from the client's traceparent through the log append to the NATS subscriber", async () => {
    const { nats, messages, receiver } = await surroundings();
    const server = await serve(['--nats-url', nats.url], {
      ...withoutOtel(process.env),
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'kvstore-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    expect(server.logs.some((l) => l.msg === 'tracing on')).toBe(true);
    const api = clients(server.addr);
    cleanups.push(async () => api.close());

    const client = clientTraceparent();
    const metadata = new Metadata();
    metadata.set('traceparent', client.header);
    await unaryCall((cb) => api.kv.Set({ key: 'traced/a', value: Buffer.from('1') }, metadata, cb));

    // The subscriber's message carries the write's trace.
    const msg = await waitFor(
      () => messages.find((m) => m.headers?.get('Kvstore-Key') === 'traced%2Fa'),
      'the NATS message of traced/a',
    );
    const traceparent = msg.headers?.get('traceparent') ?? '';
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, msgTraceId, msgParentId] = traceparent.split('-');
    expect(msgTraceId).toBe(client.traceId);

    // The span tree: client span -> RPC span -> log append (batch size) -> NATS publish.
    const inTrace = (name: string) =>
      receiver.spans.find((s) => s.traceId === client.traceId && s.name === name);
    const publish = await waitFor(() => inTrace('kvstore.nats.publish'), 'the publish span');
    const rpc = inTrace('kvstore.v1.KV/Set') as ReceivedSpan;
    const append = inTrace('kvstore.log.append') as ReceivedSpan;
    expect(rpc).toBeDefined();
    expect(append).toBeDefined();
    expect(rpc.parentSpanId).toBe(client.spanId);
    expect(rpc.kind).toBe(2); // SERVER
    expect(rpc.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.method': 'Set',
      'rpc.grpc.status_code': 0,
    });
    expect(append.parentSpanId).toBe(rpc.spanId);
    expect(append.attributes['kvstore.log.batch_size']).toBeGreaterThanOrEqual(1);
    expect(append.attributes['kvstore.log.first_revision']).toBe(1);
    expect(publish.parentSpanId).toBe(append.spanId);
    expect(publish.kind).toBe(4); // PRODUCER
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': 'kvstore.events.traced.a',
      'kvstore.revision': 1,
    });
    // The message's traceparent names the publish span: a consumer's span becomes its child.
    expect(msgParentId).toBe(publish.spanId);
    expect(rpc.serviceName).toBe('kvstore-under-test');

    // The JSON API: the same tree from a traceparent header, and a watch's catch-up read under its call.
    const http = clientTraceparent();
    expect(await httpPut(server.httpPort, '/v1/kv/traced/b', '2', { traceparent: http.header })).toBe(200);
    const put = await waitFor(
      () => receiver.spans.find((s) => s.traceId === http.traceId && s.name === 'PUT /v1/kv/{key}'),
      'the HTTP span',
    );
    expect(put.parentSpanId).toBe(http.spanId);
    expect(put.attributes['http.response.status_code']).toBe(200);
    const httpAppend = await waitFor(
      () => receiver.spans.find((s) => s.traceId === http.traceId && s.name === 'kvstore.log.append'),
      'the log append of the HTTP write',
    );
    expect(httpAppend.parentSpanId).toBe(put.spanId);

    const watchTrace = clientTraceparent();
    const watchMetadata = new Metadata();
    watchMetadata.set('traceparent', watchTrace.header);
    const stream = api.kv.Watch({ prefix: 'traced/', start_revision: 1 }, watchMetadata);
    await new Promise<void>((resolve, reject) => {
      stream.on('data', () => resolve());
      stream.on('error', reject);
    });
    stream.cancel();
    const catchUp = await waitFor(
      () =>
        receiver.spans.find((s) => s.traceId === watchTrace.traceId && s.name === 'kvstore.watch.catch_up'),
      'the catch-up span',
    );
    const watch = await waitFor(
      () => receiver.spans.find((s) => s.traceId === watchTrace.traceId && s.name === 'kvstore.v1.KV/Watch'),
      'the Watch span',
    );
    expect(catchUp.parentSpanId).toBe(watch.spanId);
    expect(catchUp.attributes['kvstore.watch.from_revision']).toBe(1);
    // The SSE watch: its span lasts as long as the stream, and its catch-up read is its child.
    const sse = clientTraceparent();
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.httpPort,
          path: '/v1/watch?prefix=traced/&from_revision=1',
          headers: { traceparent: sse.header },
        },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    const sseSpan = await waitFor(
      () => receiver.spans.find((s) => s.traceId === sse.traceId && s.name === 'GET /v1/watch'),
      'the SSE watch span',
    );
    expect(sseSpan.parentSpanId).toBe(sse.spanId);
    const sseCatchUp = await waitFor(
      () => receiver.spans.find((s) => s.traceId === sse.traceId && s.name === 'kvstore.watch.catch_up'),
      'the SSE catch-up span',
    );
    expect(sseCatchUp.parentSpanId).toBe(sseSpan.spanId);
    // The etcd API is served through the same interceptor: an etcd client's Range has its span.
    const etcd = new Etcd3({ hosts: server.addr });
    try {
      expect(await etcd.get('traced/a').string()).toBe('1');
    } finally {
      etcd.close();
    }
    const range = await waitFor(
      () => receiver.spans.find((s) => s.name === 'etcdserverpb.KV/Range'),
      'the etcd Range span',
    );
    expect(range.attributes).toMatchObject({ 'rpc.service': 'etcdserverpb.KV', 'rpc.grpc.status_code': 0 });
    expect(receiver.refused).toEqual([]);
  });

  it('exports nothing and adds no traceparent when tracing is off (the default)', async () => {
    const { nats, messages, receiver } = await surroundings();
    // An endpoint alone would turn tracing on; OTEL_TRACES_EXPORTER=none is the standard way to say no,
    // and without any OTEL_* variable tracing stays off too (the second server).
    for (const env of [
      { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint },
      {},
    ]) {
      const server = await serve(['--nats-url', nats.url], {
        ...withoutOtel(process.env),
        ...env,
        OTEL_BSP_SCHEDULE_DELAY: '50',
      });
      expect(server.logs.some((l) => l.msg === 'tracing on')).toBe(false);
      const api = clients(server.addr);
      const client = clientTraceparent();
      const metadata = new Metadata();
      metadata.set('traceparent', client.header);
      const key = `untraced/${messages.length}`;
      await unaryCall((cb) => api.kv.Set({ key, value: Buffer.from('1') }, metadata, cb));
      const msg = await waitFor(
        () => messages.find((m) => m.headers?.get('Kvstore-Key') === encodeURIComponent(key)),
        `the NATS message of ${key}`,
      );
      expect(msg.headers?.get('traceparent')).toBe('');
      expect(msg.headers?.has('traceparent')).toBe(false);
      api.close();
      // A running SDK exports what it holds at shutdown: after a clean exit, nothing can still come.
      expect(await server.stop()).toBe(0);
    }
    expect(receiver.requests).toBe(0);
    expect(receiver.spans).toEqual([]);
  });
});
