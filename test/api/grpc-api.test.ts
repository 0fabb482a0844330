import { createRequire } from 'node:module';
import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetResponse__Output } from '../../src/api/generated/kvstore/v1/GetResponse.js';
import type { ListResponse__Output } from '../../src/api/generated/kvstore/v1/ListResponse.js';
import type { SetResponse__Output } from '../../src/api/generated/kvstore/v1/SetResponse.js';
import type { StatusResponse__Output } from '../../src/api/generated/kvstore/v1/StatusResponse.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

let server: ServerProcess;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  // tempDir() cleans up after each test; this directory must outlive them all.
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  server = await startServerProcess(await mkdtemp(join(tmpdir(), 'kvstore-api-')));
  api = clients(server.addr);
});

afterAll(async () => {
  api.close();
  expect(await server.stop()).toBe(0);
});

const get = (key: string) => unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key }, cb));
const set = (key: string, value: Buffer | string, ttl_ms?: number) =>
  unaryCall<SetResponse__Output>((cb) =>
    api.kv.Set({ key, value: Buffer.from(value), ...(ttl_ms === undefined ? {} : { ttl_ms }) }, cb),
  );
const list = (request: Record<string, unknown>) =>
  unaryCall<ListResponse__Output>((cb) => api.kv.List(request, cb));

async function expectStatus(promise: Promise<unknown>, code: status, message: RegExp): Promise<ServiceError> {
  const err = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as ServiceError | null;
  expect(err, `expected ${status[code]}`).not.toBeNull();
  expect(status[err!.code]).toBe(status[code]);
  expect(err!.details).toMatch(message);
  return err!;
}

describe('KV over gRPC', () => {
  it('sets and gets with revisions and metadata in every response', async () => {
    const first = await set('api/a', 'one');
    expect(first.kv).toMatchObject({ key: 'api/a', create_revision: first.header!.revision, version: 1 });
    const second = await set('api/a', Buffer.from([0, 1, 255]));
    const got = await get('api/a');
    expect(got.found).toBe(true);
    expect(got.header!.revision).toBeGreaterThanOrEqual(second.header!.revision);
    expect(got.kv).toMatchObject({
      key: 'api/a',
      create_revision: first.header!.revision,
      mod_revision: second.header!.revision,
      version: 2,
      expires_at_ms: 0,
    });
    expect(Buffer.from(got.kv!.value)).toEqual(Buffer.from([0, 1, 255]));
    const missing = await get('api/none');
    expect(missing).toMatchObject({ found: false, kv: null });
    expect(missing.header!.revision).toBe(got.header!.revision);
  });

  it('expires a key set with ttl_ms', async () => {
    const written = await set('api/ttl', 'x', 300);
    expect(written.kv!.expires_at_ms).toBeGreaterThan(Date.now());
    expect((await get('api/ttl')).found).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect((await get('api/ttl')).found).toBe(false);
  });

  it('deletes, and says so when there was nothing to delete', async () => {
    await set('api/del', 'x');
    const deleted = await unaryCall<{ deleted: boolean }>((cb) => api.kv.Delete({ key: 'api/del' }, cb));
    expect(deleted.deleted).toBe(true);
    const again = await unaryCall<{ deleted: boolean }>((cb) => api.kv.Delete({ key: 'api/del' }, cb));
    expect(again.deleted).toBe(false);
  });

  it('lists by prefix and range, page by page, with keys_only and count', async () => {
    for (let i = 0; i < 25; i++) await set(`page/${String(i).padStart(2, '0')}`, `v${i}`);
    const seen: string[] = [];
    let token = '';
    for (;;) {
      const page = await list({
        prefix: 'page/',
        limit: 10,
        page_token: token,
        keys_only: true,
        count: true,
      });
      expect(page.count).toBe(25);
      for (const kv of page.kvs) expect(kv.value.length).toBe(0);
      seen.push(...page.kvs.map((kv) => kv.key));
      if (!page.more) {
        expect(page.next_page_token).toBe('');
        break;
      }
      token = page.next_page_token;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `page/${String(i).padStart(2, '0')}`));
    const range = await list({ start: 'page/05', end: 'page/08' });
    expect(range.kvs.map((kv) => [kv.key, kv.value.toString()])).toEqual([
      ['page/05', 'v5'],
      ['page/06', 'v6'],
      ['page/07', 'v7'],
    ]);
  });

  it('reports status with the limits in force', async () => {
    const s = await unaryCall<StatusResponse__Output>((cb) => api.admin.Status({}, cb));
    expect(s.backend).toMatch(/^sqlite:.*log\.sqlite$/);
    expect(s.durability).toBe('fsync');
    expect(s.limits).toMatchObject({ max_key_bytes: 4096, max_value_bytes: 1048576, max_list_limit: 10000 });
  });
});

describe('bad input over gRPC', () => {
  it('gets INVALID_ARGUMENT naming the field and the limit, and loses nothing', async () => {
    const kept = await set('api/kept', 'precious');
    await expectStatus(set('', 'x'), status.INVALID_ARGUMENT, /^key: must not be empty \(1\.\.4096 bytes\)$/);
    await expectStatus(
      set('k'.repeat(5 * 1024), 'x'),
      status.INVALID_ARGUMENT,
      /^key: is 5120 bytes, over the limit of 4096 bytes/,
    );
    await expectStatus(
      set('api/big', Buffer.alloc(2 * 1024 * 1024)),
      status.INVALID_ARGUMENT,
      /^value: is 2097152 bytes, over the limit of 1048576 bytes \(1 MiB\)$/,
    );
    await expectStatus(
      set('api/t', 'x', 0),
      status.INVALID_ARGUMENT,
      /^ttl_ms: is 0; must be a whole number of milliseconds from 1 to 31536000000/,
    );
    await expectStatus(set('api/t', 'x', -5), status.INVALID_ARGUMENT, /^ttl_ms: is -5;/);
    await expectStatus(
      list({ prefix: 'a', start: 'b' }),
      status.INVALID_ARGUMENT,
      /^prefix: cannot be combined with start\/end$/,
    );
    await expectStatus(list({ page_token: 'not a token' }), status.INVALID_ARGUMENT, /^page_token: /);
    await expectStatus(
      list({ limit: 10001 }),
      status.INVALID_ARGUMENT,
      /^limit: is 10001; must be from 0 \(server default\) to 10000$/,
    );
    const err = await expectStatus(get(''), status.INVALID_ARGUMENT, /^key: /);
    expect(err.metadata.get('field')).toEqual(['key']);
    // A message beyond the transport limit is refused before it is read.
    await expectStatus(
      set('api/huge', Buffer.alloc(5 * 1024 * 1024)),
      status.RESOURCE_EXHAUSTED,
      /larger than max/,
    );

    const after = await get('api/kept');
    expect(after.kv?.value.toString()).toBe('precious');
    expect(after.kv?.mod_revision).toBe(kept.header!.revision);
    expect((await set('api/still-serving', 'yes')).header!.revision).toBeGreaterThan(kept.header!.revision);
  });
});

describe('standard services', () => {
  const require = createRequire(import.meta.url);

  it('answers grpc.health.v1 Check with SERVING', async () => {
    const healthProto = require.resolve('grpc-health-check/proto/health/v1/health.proto');
    const pkg = loadPackageDefinition(loadSync(healthProto, { enums: String })) as GrpcObject;
    const Health = ((pkg.grpc as GrpcObject).health as GrpcObject).v1 as GrpcObject;
    const Client = Health.Health as unknown as new (
      addr: string,
      creds: unknown,
    ) => {
      Check(req: object, cb: (e: Error | null, r: { status: string }) => void): void;
      close(): void;
    };
    const client = new Client(server.addr, credentials.createInsecure());
    for (const service of ['', 'kvstore.v1.KV']) {
      const res = await unaryCall<{ status: string }>((cb) => client.Check({ service }, cb));
      expect(res.status).toBe('SERVING');
    }
    client.close();
  });

  it('describes its services through server reflection (what grpcurl uses)', async () => {
    const reflectionProto = require.resolve(
      '@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto',
    );
    const pkg = loadPackageDefinition(loadSync(reflectionProto, { keepCase: true })) as GrpcObject;
    const v1 = ((pkg.grpc as GrpcObject).reflection as GrpcObject).v1 as GrpcObject;
    const Client = v1.ServerReflection as unknown as new (
      addr: string,
      creds: unknown,
    ) => {
      ServerReflectionInfo(): NodeJS.EventEmitter & { write(m: object): void; end(): void };
      close(): void;
    };
    const client = new Client(server.addr, credentials.createInsecure());
    const stream = client.ServerReflectionInfo();
    const response = await new Promise<{ list_services_response: { service: { name: string }[] } }>(
      (resolve, reject) => {
        stream.on('data', resolve);
        stream.on('error', reject);
        stream.write({ list_services: '' });
      },
    );
    stream.end();
    client.close();
    expect(response.list_services_response.service.map((s) => s.name)).toEqual(
      expect.arrayContaining(['kvstore.v1.KV', 'kvstore.v1.Admin']),
    );
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight writes, checkpoints and exits 0 on SIGTERM; nothing acknowledged is lost', async () => {
    const dataDir = await tempDir();
    const first = await startServerProcess(dataDir);
    const c = clients(first.addr);
    const acked: string[] = [];
    let refused = 0;
    const writes = Array.from({ length: 400 }, (_, i) =>
      unaryCall((cb) => c.kv.Set({ key: `drain/${i}`, value: Buffer.from(String(i)) }, cb)).then(
        () => acked.push(`drain/${i}`),
        (err: ServiceError) => {
          expect(status[err.code]).toBe('UNAVAILABLE');
          refused++;
        },
      ),
    );
    while (acked.length === 0) await new Promise((r) => setTimeout(r, 1));
    const code = await first.stop('SIGTERM');
    await Promise.all(writes);
    c.close();
    expect(code).toBe(0);
    expect(acked.length + refused).toBe(400);
    expect(first.logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['wrote checkpoint', 'shut down cleanly']),
    );

    const second = await startServerProcess(dataDir);
    const c2 = clients(second.addr);
    for (const key of acked)
      expect((await unaryCall<GetResponse__Output>((cb) => c2.kv.Get({ key }, cb))).found).toBe(true);
    c2.close();
    const replayed = second.logs.find((l) => l.msg === 'replayed log');
    expect(replayed).toBeUndefined(); // the shutdown checkpoint covers the whole log
    expect(await second.stop('SIGINT')).toBe(0);
  });
});
