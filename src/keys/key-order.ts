import { type KeyPattern, patternMatches } from './key-pattern.js';

/**
 * Key ordering shared by every layer: keys sort by their UTF-8 bytes, as in etcd, so range scans, range
 * preconditions and watch ranges agree with what clients in other languages compute.
 */

/**
 * Compares two keys in UTF-8 byte order. JavaScript's `<` compares UTF-16 code units, which agrees with
 * UTF-8 except that a surrogate pair (a code point above U+FFFF) must sort after U+E000..U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return utf8Rank(x) - utf8Rank(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

const HIGH_UNITS = /[\ud800-\uffff]/;

/**
 * True when `key` has no UTF-16 unit at or above 0xD800. For such a key, the engine's own string comparison
 * against any other key agrees with {@link compareKeys}: a disagreement needs both strings to hold a unit
 * >= 0xD800 at their first difference. Sorted structures test the probe key once and then compare natively.
 */
export function comparesNatively(key: string): boolean {
  return !HIGH_UNITS.test(key);
}

/** Moves surrogates (0xD800..0xDFFF) above 0xE000..0xFFFF so code units rank as their UTF-8 bytes do. */
function utf8Rank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** A set of keys: everything under a prefix, a half-open range [start, end) (`end` null = no bound), or a glob. */
export type KeySpan =
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'range'; readonly start: string; readonly end: string | null }
  | { readonly kind: 'pattern'; readonly pattern: KeyPattern };

/** True when `key` lies in `span`. */
export function spanContains(span: KeySpan, key: string): boolean {
  switch (span.kind) {
    case 'prefix':
      return key.startsWith(span.prefix);
    case 'range':
      return compareKeys(key, span.start) >= 0 && (span.end === null || compareKeys(key, span.end) < 0);
    case 'pattern':
      return patternMatches(span.pattern, key);
  }
}

/** The first key of a span in key order (where a scan starts). */
export function spanStart(span: KeySpan): string {
  switch (span.kind) {
    case 'prefix':
      return span.prefix;
    case 'range':
      return span.start;
    case 'pattern':
      return span.pattern.prefix;
  }
}

/**
 * True when a scan in key order that reached `key` can stop: no later key lies in the span. (Within a
 * pattern's prefix, keys that do not match are skipped, not the end.)
 */
export function spanEnded(span: KeySpan, key: string): boolean {
  switch (span.kind) {
    case 'prefix':
      return !key.startsWith(span.prefix);
    case 'range':
      return span.end !== null && compareKeys(key, span.end) >= 0;
    case 'pattern':
      return !key.startsWith(span.pattern.prefix);
  }
}

/** A span as a user wrote it, for messages. */
export function describeSpan(span: KeySpan): string {
  switch (span.kind) {
    case 'prefix':
      return `prefix "${span.prefix}"`;
    case 'range':
      return `range ["${span.start}", ${span.end === null ? 'end' : `"${span.end}"`})`;
    case 'pattern':
      return `pattern "${span.pattern.source}"`;
  }
}
