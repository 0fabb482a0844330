import { compareKeys } from '../keys/key-order.js';
import { compilePattern } from '../keys/key-pattern.js';
import type { Namespace } from '../security/namespaces.js';
import type { WatchFilter, WatchSelector } from '../streams/watch-filter.js';
import { decodePageToken, encodePageToken } from './convert.js';
import type { KeyValue, SpanInput } from './types.js';

/**
 * The one translation between a tenant's key names and the stored ones: in, the namespace prefix is put in
 * front of every key and every span is bounded to the prefix (a tenant's "everything" is its prefix); out,
 * it is taken off again. The operations (namespaced-*.ts) use nothing else to cross the boundary.
 */
export class NamespaceKeys {
  readonly prefix: string;
  /** The first key after every key under the prefix (the prefix with its last character raised). */
  readonly end: string;
  readonly prefixBytes: Buffer;

  constructor(readonly namespace: Namespace) {
    this.prefix = namespace.prefix;
    this.end = prefixEnd(this.prefix);
    this.prefixBytes = Buffer.from(this.prefix, 'utf8');
  }

  /** A tenant key as stored. */
  key(key: string): string {
    return this.prefix + key;
  }

  /** A stored key as the tenant sees it (the caller only passes keys under the prefix). */
  strip(key: string): string {
    return key.startsWith(this.prefix) ? key.slice(this.prefix.length) : key;
  }

  /** A tenant's span (prefix, [start, end) or pattern) as the stored one, bounded to the prefix. */
  span<T extends SpanInput>(input: T): T {
    if (input.pattern) {
      if (input.prefix !== '' || input.start !== '' || input.end !== '') return input; // refused as it is
      return { ...input, pattern: this.prefix + input.pattern };
    }
    if (input.start !== '' || input.end !== '') {
      if (input.prefix !== '') return input;
      return {
        ...input,
        start: this.prefix + input.start,
        end: input.end === '' ? this.end : this.key(input.end),
      };
    }
    return { ...input, prefix: this.prefix + input.prefix };
  }

  /** A List continuation token of the tenant as the stored one. */
  pageTokenIn(token: string): string {
    const after = decodePageToken(token);
    return after === undefined ? '' : encodePageToken(this.key(after));
  }

  pageTokenOut(token: string): string {
    const after = decodePageToken(token);
    return after === undefined ? '' : encodePageToken(this.strip(after));
  }

  keyValue(kv: KeyValue): KeyValue;
  keyValue(kv: KeyValue | null): KeyValue | null;
  keyValue(kv: KeyValue | null): KeyValue | null {
    return kv === null ? null : { ...kv, key: this.strip(kv.key) };
  }

  /**
   * A stored selector as the tenant's, for checking its role grants (which name its own keys); null when the
   * selector reaches outside the namespace, which no grant covers.
   */
  tenantSelector(selector: WatchSelector): WatchSelector | null {
    const p = this.prefix;
    switch (selector.kind) {
      case 'key':
        return selector.key.startsWith(p) ? { kind: 'key', key: selector.key.slice(p.length) } : null;
      case 'prefix':
        return selector.prefix.startsWith(p)
          ? { kind: 'prefix', prefix: selector.prefix.slice(p.length) }
          : null;
      case 'pattern':
        return selector.pattern.source.startsWith(p)
          ? { kind: 'pattern', pattern: compilePattern(selector.pattern.source.slice(p.length)) }
          : null;
      case 'range': {
        const { start, end } = selector;
        const from = start.startsWith(p) ? start.slice(p.length) : compareKeys(start, p) <= 0 ? '' : null;
        if (from === null || end === null) return null;
        if (end === this.end || compareKeys(end, this.end) > 0)
          return { kind: 'range', start: from, end: null };
        return end.startsWith(p) ? { kind: 'range', start: from, end: end.slice(p.length) } : null;
      }
    }
  }

  /** A tenant's watch request (one key, or a span) as the stored one. */
  watchInput<T extends SpanInput & { readonly key: string }>(input: T): T {
    return input.key !== '' ? { ...input, key: this.key(input.key) } : this.span(input);
  }

  /** A watch filter on stored keys whose events reach the tenant without the prefix. */
  watchFilter(filter: WatchFilter): WatchFilter {
    return { ...filter, stripPrefix: this.prefix };
  }

  /** A tenant's etcd key bytes as stored. */
  etcdKey(key: Uint8Array): Buffer {
    return Buffer.concat([this.prefixBytes, key]);
  }

  /**
   * etcd's (key, range_end) of a tenant as stored: "\0" (every key from `key` on) and a key of "\0" with
   * range_end "\0" (every key) end at the namespace's end instead of the keyspace's.
   */
  etcdRange(key: Uint8Array, rangeEnd: Uint8Array): { key: Buffer; range_end: Buffer } {
    // No key at all is refused as it is (etcd's "key is not provided").
    if (key.length === 0 && rangeEnd.length === 0)
      return { key: Buffer.alloc(0), range_end: Buffer.alloc(0) };
    if (rangeEnd.length === 0) return { key: this.etcdKey(key), range_end: Buffer.alloc(0) };
    const all = rangeEnd.length === 1 && rangeEnd[0] === 0;
    const end = all ? Buffer.from(this.end, 'utf8') : this.etcdKey(rangeEnd);
    const start =
      all && (key.length === 0 || (key.length === 1 && key[0] === 0)) ? this.prefixBytes : this.etcdKey(key);
    return { key: start, range_end: end };
  }

  /** Stored etcd key bytes as the tenant's. */
  etcdStrip(key: Buffer): Buffer {
    const p = this.prefixBytes;
    return key.length >= p.length && key.subarray(0, p.length).equals(p) ? key.subarray(p.length) : key;
  }
}

/** The least string greater than every string starting with `prefix` (prefix ends with "/": never "\uffff"). */
function prefixEnd(prefix: string): string {
  const last = prefix.codePointAt(prefix.length - 1)!;
  return prefix.slice(0, -1) + String.fromCodePoint(last + 1);
}
