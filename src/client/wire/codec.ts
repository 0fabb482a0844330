/**
 * Protocol Buffers encoding of kvstore.v1 messages, driven by the generated descriptor table, for the CLI's
 * light client. Decoded objects have the shape @grpc/proto-loader gives with the options in
 * src/api/proto.ts (keepCase, longs as Number, enums as String, defaults, oneofs), so the generated
 * `__Output` types describe them; test/cli/wire-codec.test.ts holds the two to the same answers.
 */
import { WIRE_DESCRIPTOR, type WireField } from '../../api/generated/wire-descriptor.js';

/** A decoded or to-be-encoded message. */
export type WireMessage = Record<string, unknown>;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Grows a byte buffer as fields are written. */
class Writer {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(value: number | bigint): void {
    // Negative int32/int64 take ten bytes (two's complement over 64 bits), as protobuf requires.
    let v = BigInt.asUintN(64, BigInt(value));
    this.room(10);
    if (v < 0x80n) {
      this.buf[this.pos++] = Number(v);
      return;
    }
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.room(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** A double as protobuf's 8 little-endian bytes. */
  double(value: number): void {
    this.room(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Reads fields of one message body. */
class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint longer than 10 bytes');
    }
  }

  take(n: number): Buffer {
    if (n > this.buf.length - this.pos) throw new Error('length-delimited field longer than the message');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function fieldsOf(type: string): readonly WireField[] {
  const fields = WIRE_DESCRIPTOR.messages[type];
  if (!fields) throw new Error(`unknown message type ${type}`);
  return fields;
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  // As protobufjs: a string given for a bytes field is base64.
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  throw new TypeError('bytes field: expected a Buffer');
}

function enumNumber(type: string, value: unknown): number {
  if (typeof value === 'number') return value;
  const names = WIRE_DESCRIPTOR.enums[type]!;
  for (const [n, name] of Object.entries(names)) if (name === value) return Number(n);
  throw new TypeError(`${type}: unknown value ${String(value)}`);
}

function isDefault(value: unknown): boolean {
  return (
    value === 0 || value === '' || value === false || (value instanceof Uint8Array && value.length === 0)
  );
}

function writeValue(w: Writer, id: number, type: string, value: unknown): void {
  if (type.startsWith('message:')) {
    w.varint((id << 3) | WIRE_LEN);
    w.bytes(encodeMessage(type.slice(8), value as WireMessage));
  } else if (type.startsWith('enum:')) {
    w.varint((id << 3) | WIRE_VARINT);
    w.varint(enumNumber(type.slice(5), value));
  } else if (type === 'string') {
    w.varint((id << 3) | WIRE_LEN);
    w.bytes(Buffer.from(String(value), 'utf8'));
  } else if (type === 'bytes') {
    w.varint((id << 3) | WIRE_LEN);
    w.bytes(toBytes(value));
  } else if (type === 'bool') {
    w.varint((id << 3) | WIRE_VARINT);
    w.varint(value ? 1 : 0);
  } else if (type === 'int64' || type === 'int32') {
    w.varint((id << 3) | WIRE_VARINT);
    w.varint(typeof value === 'bigint' ? value : Math.trunc(Number(value)));
  } else if (type === 'double') {
    w.varint((id << 3) | WIRE_I64);
    w.double(Number(value));
  } else {
    throw new Error(`unsupported field type ${type}`);
  }
}

/** Encodes `message` as the fully qualified protobuf `type`. */
export function encodeMessage(type: string, message: WireMessage): Buffer {
  const w = new Writer();
  for (const [name, id, fieldType, rule, oneof] of fieldsOf(type)) {
    const value = message[name];
    if (value === undefined || value === null) continue;
    if (rule === 'repeated') {
      for (const item of value as unknown[]) writeValue(w, id, fieldType, item);
    } else if (rule === 'optional' || oneof !== '' || !isDefault(value)) {
      // Fields with presence are written even when zero; plain proto3 scalars only when set.
      writeValue(w, id, fieldType, value);
    }
  }
  return w.finish();
}

function readScalar(r: Reader, type: string, wire: number): unknown {
  const delimited = type === 'string' || type === 'bytes' || type.startsWith('message:');
  if (delimited !== (wire === WIRE_LEN)) throw new Error(`${type} field with wire type ${wire}`);
  if (type.startsWith('message:')) return decodeMessage(type.slice(8), r.take(Number(r.varint())));
  if (type === 'string') return r.take(Number(r.varint())).toString('utf8');
  if (type === 'bytes') return Buffer.from(r.take(Number(r.varint())));
  if (type === 'double') {
    if (wire !== WIRE_I64) throw new Error(`${type} field with wire type ${wire}`);
    return r.take(8).readDoubleLE(0);
  }
  if (wire !== WIRE_VARINT) throw new Error(`${type} field with wire type ${wire}`);
  const v = r.varint();
  if (type === 'bool') return v !== 0n;
  if (type === 'int32') return Number(BigInt.asIntN(32, v));
  if (type === 'int64') return Number(BigInt.asIntN(64, v));
  if (type.startsWith('enum:')) {
    const n = Number(BigInt.asIntN(32, v));
    return WIRE_DESCRIPTOR.enums[type.slice(5)]![n] ?? n;
  }
  throw new Error(`unsupported field type ${type}`);
}

/** Scalar types this codec handles that protobuf may pack into one length-delimited run. */
function isPackable(type: string): boolean {
  return type === 'int64' || type === 'int32' || type === 'bool' || type.startsWith('enum:');
}

function defaultValue(type: string): unknown {
  if (type.startsWith('message:')) return null;
  if (type.startsWith('enum:')) return WIRE_DESCRIPTOR.enums[type.slice(5)]![0];
  if (type === 'string') return '';
  if (type === 'bytes') return Buffer.alloc(0);
  if (type === 'bool') return false;
  return 0;
}

function skip(r: Reader, wire: number): void {
  if (wire === WIRE_VARINT) r.varint();
  else if (wire === WIRE_I64) r.take(8);
  else if (wire === WIRE_LEN) r.take(Number(r.varint()));
  else if (wire === WIRE_I32) r.take(4);
  else throw new Error(`unsupported wire type ${wire}`);
}

/** Decodes a protobuf body of the fully qualified `type` (unknown fields are skipped, as protobuf wants). */
export function decodeMessage(type: string, body: Buffer): WireMessage {
  const fields = fieldsOf(type);
  const out: WireMessage = {};
  for (const [name, , fieldType, rule, oneof] of fields) {
    if (rule === 'repeated') out[name] = [];
    else if (oneof === '') out[name] = defaultValue(fieldType);
  }
  const r = new Reader(body);
  while (r.pos < body.length) {
    const tag = Number(r.varint());
    const id = tag >>> 3;
    const wire = tag & 7;
    const field = fields.find((f) => f[1] === id);
    if (!field) {
      skip(r, wire);
      continue;
    }
    const [name, , fieldType, rule, oneof] = field;
    if (rule === 'repeated' && wire === WIRE_LEN && isPackable(fieldType)) {
      // proto3 packs repeated numbers (e.g. Status's damaged_revisions): one run of varints.
      const run = new Reader(r.take(Number(r.varint())));
      while (run.pos < run.buf.length) (out[name] as unknown[]).push(readScalar(run, fieldType, WIRE_VARINT));
      continue;
    }
    const value = readScalar(r, fieldType, wire);
    if (rule === 'repeated') (out[name] as unknown[]).push(value);
    else out[name] = value;
    if (oneof !== '') {
      // A later member of the same oneof replaces an earlier one.
      const previous = out[oneof];
      if (typeof previous === 'string' && previous !== name) delete out[previous];
      out[oneof] = name;
    }
  }
  return out;
}
