import type { MethodDefinition } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { WIRE_DESCRIPTOR, type WireField } from '../../src/api/generated/wire-descriptor.js';
import { packageDefinition } from '../../src/api/proto.js';
import { decodeMessage, encodeMessage } from '../../src/client/wire/codec.js';

// The CLI's light codec must give what @grpc/proto-loader gives (the server's codec), for every message of
// every method, field by field.

type Any = Record<string, unknown>;

/** A message with every field set (oneofs: member `variant` of each), values depending on `seed`. */
function sample(type: string, variant: number, seed: number, depth = 0): Any {
  const out: Any = {};
  const oneofs = new Map<string, WireField[]>();
  for (const f of WIRE_DESCRIPTOR.messages[type]!) {
    const [name, , , rule, oneof] = f;
    if (oneof !== '' && rule !== 'optional') {
      oneofs.set(oneof, [...(oneofs.get(oneof) ?? []), f]);
      continue;
    }
    if (rule === 'repeated') out[name] = [value(f, variant, seed, depth), value(f, variant, seed + 1, depth)];
    else out[name] = value(f, variant, seed, depth);
  }
  for (const members of oneofs.values()) {
    const f = members[variant % members.length]!;
    out[f[0]] = value(f, variant, seed, depth);
  }
  return out;
}

function value(field: WireField, variant: number, seed: number, depth: number): unknown {
  const [name, id, type] = field;
  if (type.startsWith('message:'))
    return depth > 3 ? null : sample(type.slice(8), variant, seed + id, depth + 1);
  if (type.startsWith('enum:')) {
    const names = Object.values(WIRE_DESCRIPTOR.enums[type.slice(5)]!);
    return names[(seed + id) % names.length];
  }
  if (type === 'string') return `${name}-${seed}-é`;
  if (type === 'bytes') return Buffer.from([seed & 255, 0, 255, id]);
  if (type === 'bool') return (seed + id) % 2 === 0;
  if (type === 'int32') return seed * 7 + id;
  // int64: small, large (beyond 32 bits) and negative values.
  return [seed * 1000 + id, 2 ** 40 + seed, -(seed + id)][seed % 3];
}

const methods = Object.entries(WIRE_DESCRIPTOR.methods).map(([path, [request, response]]) => {
  const [service, method] = path.split('/') as [string, string];
  const definition = (
    packageDefinition[`kvstore.v1.${service}`] as Record<string, MethodDefinition<Any, Any>>
  )[method]!;
  return { path, request, response, definition };
});

describe('the CLI wire codec', () => {
  it('describes every method of kvstore.v1 with the message types proto-loader has', () => {
    for (const { path, request, response, definition } of methods) {
      expect(definition, path).toBeDefined();
      expect(`kvstore.v1.${(definition.requestType as { type: { name: string } }).type.name}`, path).toBe(
        request,
      );
      expect(`kvstore.v1.${(definition.responseType as { type: { name: string } }).type.name}`, path).toBe(
        response,
      );
    }
    const services = Object.keys(packageDefinition).filter(
      (k) => k === 'kvstore.v1.KV' || k === 'kvstore.v1.Admin',
    );
    const all = services.flatMap((s) => Object.keys(packageDefinition[s]!).map((m) => `${s.slice(11)}/${m}`));
    expect(Object.keys(WIRE_DESCRIPTOR.methods).sort()).toEqual(all.sort());
  });

  it('decodes what the server encodes, and encodes what the server decodes, for every message', () => {
    let checked = 0;
    for (const { path, request, response, definition } of methods) {
      for (const [type, serialize, deserialize] of [
        [request, definition.requestSerialize, definition.requestDeserialize],
        [response, definition.responseSerialize, definition.responseDeserialize],
      ] as const) {
        for (let variant = 0; variant < 4; variant++) {
          for (const message of [sample(type, variant, variant + 3), {}]) {
            const theirs = serialize(message);
            const expected = deserialize(theirs);
            expect(decodeMessage(type, theirs), `${path} ${type} decode`).toEqual(expected);
            expect(deserialize(encodeMessage(type, message)), `${path} ${type} encode`).toEqual(expected);
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(Object.keys(WIRE_DESCRIPTOR.methods).length * 2 * 4 * 2);
  });

  it('refuses a body that does not parse instead of guessing', () => {
    const cut = encodeMessage('kvstore.v1.GetRequest', { key: 'abcdef' }).subarray(0, 4);
    expect(() => decodeMessage('kvstore.v1.GetRequest', cut)).toThrow(/longer than the message/);
    expect(() => decodeMessage('kvstore.v1.GetRequest', Buffer.from([0x0f]))).toThrow(/wire type 7/);
  });
});
