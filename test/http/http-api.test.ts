import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusOf } from '../../src/api/http/http-errors.js';
import { type ErrorCode, ServiceError } from '../../src/service/errors.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';

let server: ServerProcess;
let dir: string;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kvstore-http-'));
  // A small value limit keeps the over-the-limit requests cheap (the body limit is 4 x 1 KiB + 64 KiB).
  server = await startServerProcess(dir, ['--limits-max-value-bytes', '1KiB']);
  base = `http://127.0.0.1:${server.httpPort}`;
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  await rm(dir, { recursive: true, force: true });
});

/** Response bodies, read loosely: each test states the fields it checks. */
interface Json {
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers checked field by field with expect
  [key: string]: any;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    if (typeof body === 'string' || body instanceof Uint8Array) init.body = body;
    else {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json')
    ? (JSON.parse(text) as Json)
    : null;
  return { status: res.status, headers: res.headers, text, json: json as Json };
}

describe('the JSON API on the admin listener: single keys', () => {
  it('writes a raw body and reads it back as JSON, as raw bytes, with ETag = mod_revision and 304 on If-None-Match', async () => {
    const put = await call('PUT', '/v1/kv/app/greeting', 'hello, world');
    expect(put.status).toBe(200);
    expect(put.json.kv).toMatchObject({ key: 'app/greeting', version: 1 });
    const rev = put.json.header.revision as number;
    expect(put.headers.get('etag')).toBe(`"${rev}"`);

    const got = await call('GET', '/v1/kv/app/greeting');
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      found: true,
      kv: { key: 'app/greeting', value: 'hello, world', mod_revision: rev, create_revision: rev, version: 1 },
    });
    expect(got.json.kv.encoding).toBeUndefined();
    expect(got.headers.get('etag')).toBe(`"${rev}"`);
    expect(got.headers.get('x-kv-version')).toBe('1');

    const raw = await call('GET', '/v1/kv/app/greeting?raw');
    expect(raw.headers.get('content-type')).toBe('application/octet-stream');
    expect(raw.text).toBe('hello, world');
    const accept = await call('GET', '/v1/kv/app/greeting', undefined, {
      accept: 'application/octet-stream',
    });
    expect(accept.text).toBe('hello, world');

    expect(
      (await call('GET', '/v1/kv/app/greeting', undefined, { 'if-none-match': `"${rev}"` })).status,
    ).toBe(304);
    const head = await fetch(`${base}/v1/kv/app/greeting`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(`"${rev}"`);

    // The same store as gRPC: a gRPC Get sees the HTTP write.
    const api = clients(server.addr);
    try {
      const viaGrpc = await unaryCall<{ kv: { value: Buffer } | null }>((cb) =>
        api.kv.Get({ key: 'app/greeting' }, cb),
      );
      expect(viaGrpc.kv?.value.toString()).toBe('hello, world');
    } finally {
      api.close();
    }
  });

  it('returns values that are not UTF-8 as base64 with encoding, and takes base64 in JSON bodies', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x41]);
    expect((await call('PUT', '/v1/kv/bin/raw', new Uint8Array(bytes))).status).toBe(200);
    const got = await call('GET', '/v1/kv/bin/raw');
    expect(got.json.kv).toMatchObject({ value: bytes.toString('base64'), encoding: 'base64' });

    const put = await call('PUT', '/v1/kv/bin/json', { value: bytes.toString('base64'), encoding: 'base64' });
    expect(put.status).toBe(200);
    const back = await call('GET', '/v1/kv/bin/json?raw=true');
    expect(Buffer.from(await (await fetch(`${base}/v1/kv/bin/json?raw=true`)).arrayBuffer())).toEqual(bytes);
    expect(back.status).toBe(200);

    const text = await call('PUT', '/v1/kv/json/text', { value: 'plain ✓ text' });
    expect(text.status).toBe(200);
    expect((await call('GET', '/v1/kv/json/text')).json.kv.value).toBe('plain ✓ text');
    // Keys with spaces, slashes and non-ASCII characters, percent-encoded in the path.
    const key = 'dir/with space/ünï';
    expect((await call('PUT', `/v1/kv/${encodeURIComponent(key)}`, 'x')).status).toBe(200);
    expect((await call('GET', `/v1/kv/${encodeURIComponent(key)}`)).json.kv.key).toBe(key);
  });

  it('sets a TTL from ttl (a duration) or ttl_ms, as query or header, and refuses bad ones naming the field', async () => {
    const before = Date.now();
    const a = await call('PUT', '/v1/kv/ttl/a?ttl=30s', 'x');
    expect(a.json.kv.expires_at_ms).toBeGreaterThanOrEqual(before + 30_000);
    expect(a.json.kv.expires_at_ms).toBeLessThan(before + 60_000);
    const b = await call('PUT', '/v1/kv/ttl/b', 'x', { 'ttl-ms': '5000', ttl_ms: '5000' });
    expect(b.json.kv.expires_at_ms).toBeGreaterThanOrEqual(before + 5_000);
    const c = await call('PUT', '/v1/kv/ttl/c', { value: 'x', ttl_ms: 10_000 });
    expect(c.json.kv.expires_at_ms).toBeGreaterThanOrEqual(before + 10_000);

    const bad = await call('PUT', '/v1/kv/ttl/d?ttl=soon', 'x');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^ttl: /) });
    const negative = await call('PUT', '/v1/kv/ttl/d?ttl_ms=-5', 'x');
    expect(negative.status).toBe(400);
    expect(negative.json).toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'ttl_ms' } });
  });

  it('compare-and-set: If-Match with the ETag writes, a stale one answers 412 with the current revision', async () => {
    const first = await call('PUT', '/v1/kv/cas/k', 'one');
    const etag = first.headers.get('etag')!;
    const second = await call('PUT', '/v1/kv/cas/k', 'two', { 'if-match': etag });
    expect(second.status).toBe(200);
    const stale = await call('PUT', '/v1/kv/cas/k', 'three', { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(stale.json).toMatchObject({
      code: 'FAILED_PRECONDITION',
      details: { 'current-mod-revision': String(second.json.header.revision), 'current-version': '2' },
    });
    expect((await call('GET', '/v1/kv/cas/k')).json.kv.value).toBe('two');

    // The same conditions as query parameters, headers and a JSON body.
    const rev = second.json.header.revision as number;
    expect((await call('PUT', `/v1/kv/cas/k?if-mod-revision=${rev - 1}`, 'x')).status).toBe(412);
    expect((await call('PUT', '/v1/kv/cas/k', 'x', { 'if-version': '1' })).status).toBe(412);
    expect((await call('PUT', '/v1/kv/cas/k', { value: 'x', condition: { version: 2 } })).status).toBe(200);
    expect((await call('PUT', '/v1/kv/cas/k?if-value=nope', 'y')).status).toBe(412);
    expect((await call('PUT', '/v1/kv/cas/k?if-value=x', 'y')).status).toBe(200);

    // Create-only: If-None-Match: * or if-absent.
    expect((await call('PUT', '/v1/kv/cas/k', 'z', { 'if-none-match': '*' })).status).toBe(412);
    expect((await call('PUT', '/v1/kv/cas/new?if-absent', 'z')).status).toBe(200);
    expect((await call('PUT', '/v1/kv/cas/new?if-absent=true', 'z')).status).toBe(412);

    // Two conditions at once are refused (400), not silently merged.
    const both = await call('PUT', '/v1/kv/cas/k?if-version=1&if-absent', 'z');
    expect(both.status).toBe(400);
    expect(both.json.details.field).toBe('condition');
  });

  it('deletes a key, with a condition; a second delete says deleted: false; a missing key reads 404', async () => {
    const put = await call('PUT', '/v1/kv/del/k', 'x');
    const stale = await call('DELETE', '/v1/kv/del/k?if-mod-revision=1');
    expect(stale.status).toBe(412);
    const del = await call('DELETE', '/v1/kv/del/k', undefined, { 'if-match': put.headers.get('etag')! });
    expect(del.status).toBe(200);
    expect(del.json).toMatchObject({ deleted: true });
    expect((await call('DELETE', '/v1/kv/del/k')).json).toMatchObject({ deleted: false });
    const missing = await call('GET', '/v1/kv/del/k');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 'NOT_FOUND', details: { field: 'key' } });
  });
});

describe('the JSON API: lists and multi-key operations', () => {
  it('lists by prefix, range and glob, page by page through next_page_token and the Link header', async () => {
    const items = Array.from({ length: 25 }, (_, i) => ({
      key: `list/${String(i).padStart(2, '0')}`,
      value: `v${i}`,
    }));
    expect((await call('POST', '/v1/set-many', { items })).status).toBe(200);

    const seen: string[] = [];
    let path: string | null = '/v1/kv?prefix=list/&limit=10';
    let pages = 0;
    while (path) {
      const page = await call('GET', path);
      expect(page.status).toBe(200);
      seen.push(...page.json.kvs.map((kv: Json) => kv.key as string));
      pages++;
      const link = page.headers.get('link');
      expect(link !== null).toBe(page.json.more as boolean);
      path = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1]! : null;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(items.map((i) => i.key));

    const range = await call('GET', '/v1/kv?start=list/05&end=list/08&keys_only=true&count=true');
    expect(range.json.kvs.map((kv: Json) => kv.key)).toEqual(['list/05', 'list/06', 'list/07']);
    expect(range.json.kvs[0].value).toBe('');
    expect(range.json.count).toBe(3);

    await call('POST', '/v1/set-many', {
      items: [
        { key: 'g/a/config', value: '1' },
        { key: 'g/b/config', value: '2' },
        { key: 'g/b/other', value: '3' },
      ],
    });
    const glob = await call('GET', `/v1/kv?pattern=${encodeURIComponent('g/*/config')}`);
    expect(glob.json.kvs.map((kv: Json) => kv.key)).toEqual(['g/a/config', 'g/b/config']);

    const badToken = await call('GET', '/v1/kv?prefix=list/&page_token=nonsense!');
    expect(badToken.status).toBe(400);
    expect(badToken.json.details.field).toBe('page_token');
    const mixed = await call('GET', '/v1/kv?prefix=a&pattern=b/*');
    expect(mixed.status).toBe(400);
  });

  it('get-many, set-many with TTLs, delete-many and delete-range', async () => {
    const set = await call('POST', '/v1/set-many', {
      items: [
        { key: 'm/a', value: 'A' },
        { key: 'm/b', value: Buffer.from([0xff]).toString('base64'), encoding: 'base64', ttl_ms: 60_000 },
      ],
    });
    expect(set.status).toBe(200);
    expect(set.json.kvs[0].mod_revision).toBe(set.json.kvs[1].mod_revision);
    expect(set.json.kvs[1].expires_at_ms).toBeGreaterThan(Date.now());

    const many = await call('POST', '/v1/get-many', { keys: ['m/a', 'm/b', 'm/none'] });
    expect(many.json.results.map((r: Json) => r.found)).toEqual([true, true, false]);
    expect(many.json.results[0].kv.value).toBe('A');
    expect(many.json.results[1].kv).toMatchObject({ value: '/w==', encoding: 'base64' });

    const deleted = await call('POST', '/v1/delete-many', { keys: ['m/a', 'm/none'] });
    expect(deleted.json.deleted).toEqual(['m/a']);

    await call('POST', '/v1/set-many', {
      items: [
        { key: 'dr/1', value: 'a' },
        { key: 'dr/2', value: 'b' },
      ],
    });
    const range = await call('POST', '/v1/delete-range', { prefix: 'dr/', prev_kv: true });
    expect(range.json).toMatchObject({
      deleted: 2,
      prev_kvs: [
        { key: 'dr/1', value: 'a' },
        { key: 'dr/2', value: 'b' },
      ],
    });

    const badItems = await call('POST', '/v1/set-many', { items: [{ key: 'x', value: 5 }] });
    expect(badItems.status).toBe(400);
    expect(badItems.json.message).toMatch(/^items\[0\]\.value: must be a string/);
  });

  it('runs a Txn: compares pick success or failure, results come back per operation', async () => {
    const put = await call('PUT', '/v1/kv/txn/counter', '1');
    const rev = put.json.header.revision as number;
    const txn = (modRevision: number) =>
      call('POST', '/v1/txn', {
        compare: [{ key: 'txn/counter', mod_revision: modRevision }],
        success: [{ set: { key: 'txn/counter', value: '2' } }, { range: { prefix: 'txn/' } }],
        failure: [{ get: { key: 'txn/counter' } }],
      });
    const won = await txn(rev);
    expect(won.status).toBe(200);
    expect(won.json.succeeded).toBe(true);
    expect(won.json.responses[1].range.kvs[0]).toMatchObject({ key: 'txn/counter', value: '2' });
    const lost = await txn(rev);
    expect(lost.json.succeeded).toBe(false);
    expect(lost.json.responses[0].get.kv).toMatchObject({ value: '2' });

    const bad = await call('POST', '/v1/txn', {
      success: [{ set: { key: 'txn/x', value: 'y', condition: { absent: true } } }],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^success\[0\]\.set\.condition: is not allowed in a transaction/);
    const two = await call('POST', '/v1/txn', { success: [{ get: { key: 'a' }, delete: { key: 'a' } }] });
    expect(two.status).toBe(400);
  });

  it('status, hash-kv, compact and a backup download', async () => {
    const status = await call('GET', '/v1/status');
    expect(status.json).toMatchObject({ version: expect.any(String), limits: { max_value_bytes: 1024 } });
    const hash = await call('GET', '/v1/hash-kv');
    expect(hash.json).toMatchObject({ hash: expect.any(String), keys: expect.any(Number) });
    const backup = await fetch(`${base}/v1/backup`);
    expect(backup.status).toBe(200);
    expect(backup.headers.get('content-disposition')).toMatch(
      /^attachment; filename="kvstore-full-\d+\.kvb"$/,
    );
    expect((await backup.arrayBuffer()).byteLength).toBeGreaterThan(100);
    const rev = status.json.header.revision as number;
    const compact = await call('POST', '/v1/compact', { revision: rev });
    expect(compact.json.compact_revision).toBe(rev);
    const tooOld = await call('GET', '/v1/hash-kv?revision=1');
    expect(tooOld.status).toBe(400);
    expect(tooOld.json).toMatchObject({ code: 'OUT_OF_RANGE', details: { 'compact-revision': String(rev) } });
  });
});

describe('the JSON API: errors', () => {
  it('maps each error to one HTTP status with a {code, message, details} body', async () => {
    const emptyKey = await call('PUT', '/v1/kv/', 'x');
    expect(emptyKey.status).toBe(400);
    expect(emptyKey.json).toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'key' } });

    const overValue = await call('PUT', '/v1/kv/big', new Uint8Array(2048));
    expect(overValue.status).toBe(400);
    expect(overValue.json.message).toMatch(/^value: is 2048 bytes, over the limit of 1024 bytes/);

    const overBody = await call('PUT', '/v1/kv/big', new Uint8Array(200 * 1024));
    expect(overBody.status).toBe(413);
    expect(overBody.json).toMatchObject({ code: 'RESOURCE_EXHAUSTED', details: { field: 'body' } });

    const badJson = await call('POST', '/v1/txn', '{not json', { 'content-type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect(badJson.json.details.field).toBe('body');

    const method = await call('PATCH', '/v1/kv/x');
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET, PUT, DELETE');
    expect((await call('GET', '/v1/nowhere')).status).toBe(404);
    // HEAD of a stream has no headers to give without streaming.
    expect((await fetch(`${base}/v1/watch`, { method: 'HEAD' })).status).toBe(405);
    const badEscape = await call('GET', '/v1/kv/%E0%A4%A');
    expect(badEscape.status).toBe(400);
  });

  it('uses one table from codes to statuses (429 with Retry-After when the refusal says when, 503 with Retry-After)', () => {
    const expected: Record<ErrorCode, number> = {
      INVALID_ARGUMENT: 400,
      OUT_OF_RANGE: 400,
      UNAUTHENTICATED: 401,
      PERMISSION_DENIED: 403,
      NOT_FOUND: 404,
      ABORTED: 409,
      FAILED_PRECONDITION: 412,
      RESOURCE_EXHAUSTED: 413,
      CANCELLED: 499,
      INTERNAL: 500,
      DATA_LOSS: 500,
      UNAVAILABLE: 503,
    };
    for (const [code, status] of Object.entries(expected)) {
      expect(httpStatusOf(new ServiceError(code as ErrorCode, 'x')).status, code).toBe(status);
    }
    expect(
      httpStatusOf(new ServiceError('RESOURCE_EXHAUSTED', 'slow down', { 'retry-after-ms': '1500' })),
    ).toEqual({
      status: 429,
      headers: { 'retry-after': '2' },
    });
    expect(httpStatusOf(new ServiceError('UNAVAILABLE', 'x')).headers).toEqual({ 'retry-after': '1' });
  });

  it('counts HTTP requests in the server metrics as http/<operation>', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/kvstore_grpc_requests_total\{method="http\/Set",code="OK"\} [1-9]/);
    expect(text).toMatch(
      /kvstore_grpc_requests_total\{method="http\/Set",code="FAILED_PRECONDITION"\} [1-9]/,
    );
  });
});

describe('the JSON API under load', () => {
  it('holds request bodies against limits.maxInflightBytes with gRPC: past it, 429 with Retry-After', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kvstore-http-inflight-'));
    const small = await startServerProcess(dir, [
      '--limits-max-value-bytes',
      '512KiB',
      '--limits-max-inflight-bytes',
      '1MiB',
    ]);
    try {
      const url = `http://127.0.0.1:${small.httpPort}/v1/kv/inflight`;
      const body = new Uint8Array(400 * 1024);
      const answers = await Promise.all(
        Array.from({ length: 24 }, async (_, i) => {
          const res = await fetch(`${url}/${i}`, { method: 'PUT', body });
          return {
            status: res.status,
            retryAfter: res.headers.get('retry-after'),
            json: (await res.json()) as Json,
          };
        }),
      );
      const refused = answers.filter((a) => a.status === 429);
      const written = answers.filter((a) => a.status === 200);
      expect(written.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      expect(written.length + refused.length).toBe(24);
      expect(refused[0]).toMatchObject({
        retryAfter: '1',
        json: { code: 'RESOURCE_EXHAUSTED', message: expect.stringMatching(/^limits\.maxInflightBytes: /) },
      });
      // Nothing is held once the answers are out: the same requests one at a time all pass.
      for (let i = 0; i < 3; i++)
        expect((await fetch(`${url}/again/${i}`, { method: 'PUT', body })).status).toBe(200);
    } finally {
      await small.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
