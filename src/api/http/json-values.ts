import { isUtf8 } from 'node:buffer';
import { InvalidArgumentError } from '../../store/errors.js';

/**
 * Values in JSON: UTF-8 text when the bytes are valid UTF-8, otherwise base64 with `"encoding": "base64"`
 * next to them. The same rule reads values in request bodies: a `value` is text unless its object says
 * `"encoding": "base64"`.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A value as JSON fields: `{value}` or `{value, encoding: "base64"}`. */
export function valueFields(bytes: Uint8Array): { value: string; encoding?: 'base64' } {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buffer)
    ? { value: buffer.toString('utf8') }
    : { value: buffer.toString('base64'), encoding: 'base64' };
}

/**
 * An operation's answer as JSON: every object holding a `value` of bytes gets it as text or base64 (see
 * {@link valueFields}); everything else goes as it is.
 */
export function toJson(data: unknown): JsonValue {
  if (data === null || data === undefined) return null;
  if (Array.isArray(data)) return data.map(toJson);
  if (typeof data !== 'object') return data as JsonValue;
  const out: { [key: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(data)) {
    if (k === 'value' && v instanceof Uint8Array) Object.assign(out, valueFields(v));
    else if (v instanceof Uint8Array) out[k] = Buffer.from(v).toString('base64');
    else out[k] = toJson(v);
  }
  return out;
}

/** Reads request JSON with errors that name the field (INVALID_ARGUMENT). */
export class JsonReader {
  constructor(
    readonly data: { readonly [key: string]: unknown },
    /** Where this object is in the body, e.g. `success[0].set`; "" at the top. */
    readonly path = '',
  ) {}

  static of(data: unknown, path = ''): JsonReader {
    if (data === null || typeof data !== 'object' || Array.isArray(data))
      throw new InvalidArgumentError(path || 'body', 'must be a JSON object');
    return new JsonReader(data as Record<string, unknown>, path);
  }

  field(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  has(name: string): boolean {
    return this.data[name] !== undefined && this.data[name] !== null;
  }

  string(name: string, fallback = ''): string {
    const v = this.data[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') throw new InvalidArgumentError(this.field(name), 'must be a string');
    return v;
  }

  bool(name: string): boolean {
    const v = this.data[name];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new InvalidArgumentError(this.field(name), 'must be true or false');
    return v;
  }

  /** An integer (a JSON number, or a string of digits as proto3 JSON writes int64). */
  int(name: string, fallback = 0): number {
    const v = this.data[name];
    if (v === undefined || v === null) return fallback;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(this.field(name), `is ${JSON.stringify(v)}; must be an integer`);
    return n;
  }

  optionalInt(name: string): number | undefined {
    return this.has(name) ? this.int(name) : undefined;
  }

  /** `value` (text, or base64 when `encoding` says so) as bytes. */
  bytes(name = 'value'): Buffer {
    const text = this.string(name);
    const encoding = this.string('encoding', 'utf-8').toLowerCase();
    if (encoding === 'base64') {
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text))
        throw new InvalidArgumentError(this.field(name), 'is not valid base64 (encoding is base64)');
      return Buffer.from(text, 'base64');
    }
    if (encoding !== 'utf-8' && encoding !== 'utf8')
      throw new InvalidArgumentError(this.field('encoding'), `is "${encoding}"; must be utf-8 or base64`);
    return Buffer.from(text, 'utf8');
  }

  array(name: string): unknown[] {
    const v = this.data[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new InvalidArgumentError(this.field(name), 'must be an array');
    return v;
  }

  object(name: string): JsonReader | null {
    const v = this.data[name];
    return v === undefined || v === null ? null : JsonReader.of(v, this.field(name));
  }

  strings(name: string): string[] {
    return this.array(name).map((v, i) => {
      if (typeof v !== 'string')
        throw new InvalidArgumentError(`${this.field(name)}[${i}]`, 'must be a string');
      return v;
    });
  }
}
