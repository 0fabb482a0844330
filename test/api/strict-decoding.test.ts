import { type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetResponse__Output } from '../../src/api/generated/kvstore/v1/GetResponse.js';
import type { ListResponse__Output } from '../../src/api/generated/kvstore/v1/ListResponse.js';
import { kvstoreV1 } from '../../src/api/proto.js';
import { parseExposition, sampleValue } from '../helpers/prometheus.js';
import { rawCall } from '../helpers/raw-grpc.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

const KV = '/kvstore.v1.KV';
const setBody = (key: string) =>
  kvstoreV1.KV.service.Set.requestSerialize({ key, value: Buffer.from('v') } as never);
const hex = (h: string) => Buffer.from(h.replace(/ /g, ''), 'hex');

let server: ServerProcess;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  server = await startServerProcess(await suiteDir());
  api = clients(server.addr);
});

afterAll(async () => {
  api?.close();
  await server?.stop();
});

const revision = async () =>
  (await unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key: 'nothing' }, cb))).header!.revision;

describe('a request body that does not parse exactly is refused and writes nothing', () => {
  it('Set with a length past the body, wire type 7, a 0xFFFFFFFF length, a cut-off varint: INVALID_ARGUMENT', async () => {
    const before = await revision();
    const cases: [string, Buffer, RegExp][] = [
      // key "k1", then value (field 2) claiming 200 bytes of which 3 follow
      [
        'length past the body',
        hex('0a 02 6b 31 12 c8 01 61 62 63'),
        /^value: its length 200 at byte 5 runs past/,
      ],
      // the key itself sent with wire type 7 (protobufjs read it as a string anyway and wrote "k6")
      [
        'key with wire type 7',
        hex('0f 02 6b 36 12 01 76'),
        /^request: field 1 \(key\) at byte 0 has wire type 7/,
      ],
      // key "k2", then field 3 with wire type 7
      ['wire type 7', hex('0a 02 6b 32 1f 05'), /^request: field 3 \(ttl_ms\) at byte 4 has wire type 7/],
      // key of length 0xFFFFFFFF
      [
        'length 0xFFFFFFFF',
        hex('0a ff ff ff ff 0f 6b 33'),
        /^key: its length 4294967295 at byte 1 runs past/,
      ],
      ['cut-off varint', hex('0a 02 6b 34 18 ff'), /^ttl_ms: the varint at byte 5 is cut off/],
      ['a group', hex('0a 02 6b 35 2b 2c'), /^request: field 5 .*a group \(wire type 3\), not accepted/],
    ];
    for (const [name, body, expected] of cases) {
      const answer = await rawCall(server.addr, `${KV}/Set`, body);
      expect(status[answer.code], name).toBe('INVALID_ARGUMENT');
      expect(answer.message, name).toMatch(expected);
    }
    const listed = await unaryCall<ListResponse__Output>((cb) => api.kv.List({ prefix: 'k' }, cb));
    expect(listed.kvs).toEqual([]);
    expect(await revision()).toBe(before);
    // Refused before any handler, yet counted like every other answer.
    const metrics = parseExposition(
      await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text(),
    );
    const refused = { method: 'Set', code: 'INVALID_ARGUMENT' };
    expect(sampleValue(metrics, 'kvstore_grpc_requests_total', refused)).toBeGreaterThanOrEqual(cases.length);
  });

  it('refuses keys with invalid UTF-8 naming the field and the byte; a\\xFFb and a\\xFEb never collide', async () => {
    const before = await revision();
    for (const bad of [0xff, 0xfe]) {
      const body = Buffer.from(setBody('aXb'));
      body[body.indexOf(0x58)] = bad; // the "X" of the key
      const answer = await rawCall(server.addr, `${KV}/Set`, body);
      expect(status[answer.code]).toBe('INVALID_ARGUMENT');
      expect(answer.message).toMatch(
        new RegExp(
          `^key: is not valid UTF-8: byte 1 of the field \\(0x${bad.toString(16)}, byte 3 of the message\\)`,
        ),
      );
    }
    const found = await unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key: 'a\uFFFDb' }, cb));
    expect(found.found).toBe(false);
    expect(await revision()).toBe(before);
  });

  it('checks every string of every request type: prefix, range bounds, pattern, page token, nested keys', async () => {
    const withBadByte = (path: string, request: object, marker: string) => {
      const method = Object.values({ ...kvstoreV1.KV.service, ...kvstoreV1.Admin.service }).find(
        (m) => m.path === path,
      )!;
      const body = Buffer.from(method.requestSerialize(request as never));
      body[body.indexOf(Buffer.from(marker))] = 0xc0; // an overlong lead byte
      return rawCall(server.addr, path, body);
    };
    const cases: [string, object, string, string][] = [
      [`${KV}/List`, { prefix: 'p#' }, '#', 'prefix'],
      [`${KV}/List`, { start: 'a', end: 'z#' }, '#', 'end'],
      [`${KV}/List`, { pattern: 'a/#*' }, '#', 'pattern'],
      [`${KV}/List`, { page_token: 'tok#' }, '#', 'page_token'],
      [`${KV}/DeleteRange`, { prefix: '#' }, '#', 'prefix'],
      [`${KV}/GetMany`, { keys: ['ok', 'x#'] }, '#', 'keys[1]'],
      [`${KV}/SetMany`, { items: [{ key: 'ok' }, { key: 'ok2' }, { key: '#' }] }, '#', 'items[2].key'],
      [`${KV}/Txn`, { compare: [{ key: 'c#', version: 1 }] }, '#', 'compare[0].key'],
      [`${KV}/Txn`, { success: [{ delete_range: { start: '#' } }] }, '#', 'success[0].delete_range.start'],
      [`${KV}/Watch`, { pattern: 'w/#' }, '#', 'pattern'],
    ];
    // A well-formed token field whose content decodes to invalid UTF-8 was never issued by the server.
    const forged = await unaryCall((cb) =>
      api.kv.List({ page_token: Buffer.from([0x6b, 0x61, 0xff]).toString('base64url') }, cb),
    ).catch((e: ServiceError) => e);
    expect((forged as ServiceError).details).toMatch(/^page_token: is not a token this server issued/);
    for (const [path, request, marker, field] of cases) {
      const answer = await withBadByte(path, request, marker);
      expect(status[answer.code], `${path} ${field}`).toBe('INVALID_ARGUMENT');
      expect(answer.message, `${path} ${field}`).toMatch(
        new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: is not valid UTF-8`),
      );
    }
  });

  it('refuses malformed bodies on streaming and Admin methods too, before any handler runs', async () => {
    const watch = await rawCall(server.addr, `${KV}/Watch`, hex('12 05 61'));
    expect(status[watch.code]).toBe('INVALID_ARGUMENT');
    expect(watch.messages).toEqual([]);
    const backup = await rawCall(server.addr, '/kvstore.v1.Admin/Backup', hex('08 ff ff'));
    expect(status[backup.code]).toBe('INVALID_ARGUMENT');
    expect(backup.messages).toEqual([]);
    const compact = await rawCall(server.addr, '/kvstore.v1.Admin/Compact', hex('0f'));
    expect(status[compact.code]).toBe('INVALID_ARGUMENT');
    const health = await rawCall(server.addr, '/grpc.health.v1.Health/Check', hex('0a 09 6b'));
    expect(status[health.code]).toBe('INVALID_ARGUMENT');
    // A bidirectional stream (server reflection): refused by the interceptor, not by a handler.
    const reflection = await rawCall(
      server.addr,
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      hex('3a 07 6b'),
    );
    expect(status[reflection.code]).toBe('INVALID_ARGUMENT');
    expect(reflection.message).toMatch(/^listServices: its length 7 at byte 1 runs past/);
  });

  it('still answers valid raw bodies, unknown fields included, and the clients work as before', async () => {
    const withUnknown = Buffer.concat([setBody('raw/ok'), hex('a0 06 01')]); // field 100 = 1, unknown
    const answer = await rawCall(server.addr, `${KV}/Set`, withUnknown);
    expect(status[answer.code]).toBe('OK');
    expect(answer.messages).toHaveLength(1);
    const got = await unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key: 'raw/ok' }, cb));
    expect(got.kv?.value.toString()).toBe('v');
    const err = (await unaryCall((cb) => api.kv.Set({ key: '', value: Buffer.from('x') }, cb)).catch(
      (e) => e,
    )) as ServiceError;
    expect(err.details).toMatch(/^key: must not be empty/); // the store's own rules still answer
  });
});
