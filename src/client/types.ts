import type { KeyValue__Output } from '../api/generated/kvstore/v1/KeyValue.js';

/** A value as given to a write: a string is written as its UTF-8 bytes. */
export type Value = string | Uint8Array;

/** A key's metadata (revisions follow etcd's model: docs/architecture.md). */
export interface KeyMeta {
  readonly key: string;
  /** Revision of the write that created this incarnation of the key. */
  readonly createRevision: number;
  /** Revision of the last write to the key. */
  readonly modRevision: number;
  /** 1 on creation, +1 per write since. */
  readonly version: number;
  /** When the key expires (milliseconds since the epoch), or null for never. */
  readonly expiresAt: number | null;
}

/** A key with its value. */
export interface KeyValue extends KeyMeta {
  readonly value: Buffer;
}

/** Which keys a list, watch or deleteRange covers: exactly one of key (watch only), prefix, range or pattern. */
export type Selector =
  | { readonly key: string }
  | { readonly prefix: string }
  | { readonly start: string; readonly end?: string }
  | { readonly pattern: string };

/** A condition on the key of a set or delete, checked atomically with the write (at most one). */
export interface WriteCondition {
  /** Only if the key does not exist (or has expired). */
  readonly ifAbsent?: boolean;
  /** Only if the key's version is this (0 = absent). */
  readonly ifVersion?: number;
  /** Only if the key's mod revision is this (0 = absent). */
  readonly ifModRevision?: number;
  /** Only if the key exists with exactly this value. */
  readonly ifValue?: Value;
}

/** Options of every call. */
export interface CallOptions {
  /** Give up on one attempt after this long (default: the client's timeoutMs). */
  readonly timeoutMs?: number;
  /** Abandons the call (and its retries) when it aborts. */
  readonly signal?: AbortSignal;
}

export function toBuffer(value: Value): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}

export function fromWireKv(kv: KeyValue__Output): KeyValue {
  return {
    key: kv.key,
    value: kv.value,
    createRevision: kv.create_revision,
    modRevision: kv.mod_revision,
    version: kv.version,
    expiresAt: kv.expires_at_ms === 0 ? null : kv.expires_at_ms,
  };
}

export function fromWireMeta(kv: KeyValue__Output): KeyMeta {
  return {
    key: kv.key,
    createRevision: kv.create_revision,
    modRevision: kv.mod_revision,
    version: kv.version,
    expiresAt: kv.expires_at_ms === 0 ? null : kv.expires_at_ms,
  };
}

/** The wire form of a {@link WriteCondition}; throws when more than one is given. */
export function conditionToWire(c: WriteCondition | undefined): Record<string, unknown> | undefined {
  if (!c) return undefined;
  const given: Record<string, unknown>[] = [];
  if (c.ifAbsent) given.push({ absent: true });
  if (c.ifVersion !== undefined) given.push({ version: c.ifVersion });
  if (c.ifModRevision !== undefined) given.push({ mod_revision: c.ifModRevision });
  if (c.ifValue !== undefined) given.push({ value: toBuffer(c.ifValue) });
  if (given.length > 1) {
    throw new TypeError('at most one of ifAbsent, ifVersion, ifModRevision, ifValue');
  }
  return given[0];
}

/** The wire fields of a {@link Selector} (prefix, start, end, pattern and for a watch key). */
export function selectorToWire(s: Selector): Record<string, string> {
  if ('key' in s) return { key: s.key };
  if ('prefix' in s) return { prefix: s.prefix };
  if ('pattern' in s) return { pattern: s.pattern };
  return { start: s.start, end: s.end ?? '' };
}
