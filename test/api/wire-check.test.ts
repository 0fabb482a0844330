import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { kvstoreV1 } from '../../src/api/proto.js';
import { messageSchema } from '../../src/api/wire/message-schema.js';
import { type LoadedMethod, requestSchema, strictDefinition } from '../../src/api/wire/strict-server.js';
import { checkWire } from '../../src/api/wire/wire-check.js';

const methods = kvstoreV1.KV.service as unknown as Record<string, LoadedMethod>;
const setSchema = requestSchema(methods.Set!);
const encode = (method: string, request: unknown) => methods[method]!.requestSerialize(request);
const check = (schema: ReturnType<typeof requestSchema>, ...body: number[]) =>
  checkWire(Buffer.from(body), schema);

describe('strict wire check', () => {
  it('passes every valid body, default and empty ones included', () => {
    const bodies: [string, unknown][] = [
      ['Set', { key: 'k', value: Buffer.from('v'), ttl_ms: 5000, condition: { version: 3 } }],
      ['Set', {}],
      ['Get', { key: 'ключ/😀' }],
      [
        'SetMany',
        {
          items: [
            { key: 'a', value: Buffer.from('1') },
            { key: 'b', value: Buffer.alloc(0) },
          ],
        },
      ],
      ['GetMany', { keys: ['a', 'b', ''] }],
      ['List', { pattern: 'a/**', limit: 10, keys_only: true }],
      ['Watch', { prefix: 'p/', start_revision: 2 ** 40, progress_interval_ms: 1000 }],
      [
        'Txn',
        {
          compare: [{ key: 'c', mod_revision: 4, target: 'MOD', result: 'GREATER' }],
          success: [{ set: { key: 's', value: Buffer.from('1') } }, { delete_range: { prefix: 'x/' } }],
          failure: [{ range: { prefix: 'r/' } }],
        },
      ],
    ];
    for (const [method, request] of bodies) {
      expect(checkWire(encode(method, request), requestSchema(methods[method]!)), method).toBeNull();
    }
    // Negative int64 as a 10-byte varint, fields out of order, a field repeated (last one wins).
    const neg = encode('Watch', { start_revision: -1 });
    expect(checkWire(neg, requestSchema(methods.Watch!))).toBeNull();
    expect(check(setSchema, 0x18, 0x05, 0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62)).toBeNull();
  });

  it('refuses a body that does not parse exactly, naming the field and the byte', () => {
    const cases: [number[], RegExp][] = [
      [[0x0a, 0x05, 0x61], /^key: its length 5 at byte 1 runs past the end of the message/],
      [[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x61], /^key: its length 4294967295 at byte 1 runs past/],
      [[0x0a, 0x01, 0x61, 0x0f], /^request: field 1 \(key\) at byte 3 has wire type 7, which does not exist/],
      [[0x0e], /^request: field 1 \(key\) at byte 0 has wire type 6/],
      [[0x0b, 0x0c], /^request: field 1 \(key\) at byte 0 has a group \(wire type 3\), not accepted/],
      [[0x0a, 0x01, 0x61, 0x18], /^ttl_ms: the varint at byte 4 is cut off/],
      [[0x18, ...Array(10).fill(0xff), 0x01], /^ttl_ms: the varint at byte 1 is longer than 10 bytes/],
      [[0x18, ...Array(9).fill(0xff), 0x02], /^ttl_ms: the varint at byte 1 overflows 64 bits/],
      [[0x02, 0x00], /^request: the tag at byte 0 has field number 0/],
      [[0x80], /^request: the varint at byte 0 is cut off/],
      [[0x12, 0x01], /^value: its length 1 at byte 1 runs past/],
      [[0x08, 0x01], /^key: is declared string but arrives as wire type 0 \(varint\), not 2/],
      [[0x1a, 0x01, 0x61], /^ttl_ms: is declared int64 but arrives as wire type 2/],
      [
        [0x0a, 0x03, 0x61, 0xff, 0x62],
        /^key: is not valid UTF-8: byte 1 of the field \(0xff, byte 3 of the message\)/,
      ],
      [[0x22, 0x02, 0x08, 0x80], /^condition\.absent: the varint at byte 3 is cut off/],
    ];
    for (const [body, expected] of cases) {
      const found = check(setSchema, ...body);
      expect(found && `${found.field}: ${found.detail}`, Buffer.from(body).toString('hex')).toMatch(expected);
    }
  });

  it('names the path of a field inside nested and repeated messages', () => {
    const txn = encode('Txn', {
      success: [{ get: { key: 'ok' } }, { set: { key: 'a\u00e9b', value: Buffer.from('1') } }],
    });
    const bad = Buffer.from(txn);
    bad[bad.indexOf(0xc3)] = 0xfe;
    const found = checkWire(bad, requestSchema(methods.Txn!));
    expect(`${found?.field}: ${found?.detail}`).toMatch(
      /^success\[1\]\.set\.key: is not valid UTF-8: byte 1 of the field/,
    );

    const keys = Buffer.from(encode('GetMany', { keys: ['a', 'b\u00e9'] }));
    keys[keys.indexOf(0xc3)] = 0xff;
    expect(checkWire(keys, requestSchema(methods.GetMany!))?.field).toBe('keys[1]');
  });

  it('skips well-formed unknown fields (protobuf allows them) and refuses malformed ones', () => {
    const valid = encode('Set', { key: 'k' });
    const unknown = Buffer.concat([
      valid,
      Buffer.from([0xa0, 0x06, 0x01, 0xaa, 0x06, 0x02, 0x68, 0x69, 0xad, 0x06, 1, 2, 3, 4]),
    ]);
    expect(checkWire(unknown, setSchema)).toBeNull();
    const cut = Buffer.concat([valid, Buffer.from([0xaa, 0x06, 0x09, 0x68])]);
    expect(checkWire(cut, setSchema)?.detail).toMatch(
      /^unknown field 101: its length 9 at byte \d+ runs past/,
    );
    const fixed = Buffer.concat([valid, Buffer.from([0xa9, 0x06, 1, 2, 3])]);
    expect(checkWire(fixed, setSchema)?.detail).toMatch(
      /^unknown field 101: its 8-byte value at byte \d+ is cut off/,
    );
  });

  it('accepts repeated scalars packed and unpacked, and refuses a packed run that does not divide', () => {
    const root = protobuf.parse(
      'syntax = "proto3"; message M { repeated int64 ids = 1 ; repeated fixed32 f = 2 ; repeated double d = 3; }',
    ).root;
    const type = root.lookupType('M');
    const schema = messageSchema(type);
    expect(check(schema, 0x0a, 0x03, 0x01, 0xac, 0x02, 0x12, 0x08, 7, 0, 0, 0, 8, 0, 0, 0)).toBeNull(); // packed
    expect(check(schema, 0x08, 0x01, 0x08, 0xac, 0x02, 0x15, 1, 0, 0, 0)).toBeNull(); // unpacked
    expect(check(schema, 0x12, 0x03, 1, 2, 3)?.detail).toMatch(
      /packed fixed32.*3 bytes, not a multiple of 4/,
    );
    expect(check(schema, 0x0a, 0x02, 0x01, 0x80)?.detail).toMatch(/packed.*varint at byte 3 is cut off/);
    expect(check(schema, 0x1a, 0x04, 0, 0, 0, 0)?.field).toBe('d[0]');
  });

  it('hands a malformed body to no decoder: the deserializer returns a refusal instead', () => {
    const strict = strictDefinition(kvstoreV1.KV.service) as unknown as Record<string, LoadedMethod>;
    const refused = strict.Set!.requestDeserialize(Buffer.from([0x0a, 0x05, 0x61]));
    expect((refused as { details: string }).details).toMatch(/^key: its length 5/);
    expect(strict.Set!.requestDeserialize(encode('Set', { key: 'k' }))).toMatchObject({ key: 'k' });
  });
});
