import type { KeySpan } from '../keys/key-order.js';
import { compilePattern, type KeyPattern, patternMatches } from '../keys/key-pattern.js';

/** One key, or a set of keys as the store reads them (the shape of a watch, a List or a range op). */
export type KeySelector = { readonly kind: 'key'; readonly key: string } | KeySpan;

/**
 * A set of key globs compiled for permission checks. A glob that ends in `**` with nothing wild before it
 * (`app/**`, `**`) is a prefix: it covers every key under it, so it can cover a whole range or prefix. Other
 * globs (`app/*\/config`) cover the keys they match, one at a time: a range is granted only when a prefix
 * grant covers all of it, never because the keys in it today happen to match (a key written later must be
 * covered too).
 */
export class KeyGrants {
  private readonly prefixes: readonly string[];
  private readonly patterns: readonly KeyPattern[];

  constructor(globs: readonly string[]) {
    const prefixes: string[] = [];
    const patterns: KeyPattern[] = [];
    for (const glob of globs) {
      const pattern = compilePattern(glob);
      if (pattern.source === `${pattern.prefix}**`) prefixes.push(pattern.prefix);
      else patterns.push(pattern);
    }
    this.prefixes = prefixes;
    this.patterns = patterns;
  }

  /** True when the grants cover every key, now and later. */
  get everything(): boolean {
    return this.prefixes.includes('');
  }

  /** True when nothing is granted. */
  get nothing(): boolean {
    return this.prefixes.length === 0 && this.patterns.length === 0;
  }

  /** True when every key the selector can name (now or later) is granted. */
  covers(selector: KeySelector): boolean {
    switch (selector.kind) {
      case 'key':
        return this.coversKey(selector.key);
      case 'prefix':
        return this.prefixes.some((p) => selector.prefix.startsWith(p));
      case 'range': {
        const { start, end } = selector;
        return this.prefixes.some(
          (p) =>
            p === '' ||
            (start.startsWith(p) && end !== null && (end.startsWith(p) || end === prefixEndOf(p))),
        );
      }
      case 'pattern':
        return (
          this.prefixes.some((p) => selector.pattern.prefix.startsWith(p)) ||
          this.patterns.some((g) => g.source === selector.pattern.source)
        );
    }
  }

  private coversKey(key: string): boolean {
    for (const p of this.prefixes) if (key.startsWith(p)) return true;
    for (const g of this.patterns) if (patternMatches(g, key)) return true;
    return false;
  }
}

/**
 * The first key after every key that starts with `prefix` (etcd's "prefix + 1" range end), or null when
 * the last unit cannot be incremented without leaving the plain UTF-16 range.
 */
function prefixEndOf(prefix: string): string | null {
  const last = prefix.charCodeAt(prefix.length - 1);
  if (Number.isNaN(last) || (last >= 0xd7ff && last < 0xe000) || last === 0xffff) return null;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
