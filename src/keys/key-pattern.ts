/**
 * Key patterns: globs over `/`-separated segments. `*` matches any run of characters within one segment,
 * `**` as a whole segment matches any number of segments (none included in the middle: `a/**\/b` matches
 * `a/b` and `a/x/y/b`; at the end, `logs/**` matches every key under `logs/`), `\` escapes the next
 * character. Everything before the first wildcard is the literal prefix that bounds a scan.
 */

/** A compiled pattern. */
export interface KeyPattern {
  readonly source: string;
  /** The literal part before the first wildcard: every match starts with it. */
  readonly prefix: string;
  readonly regex: RegExp;
}

/** Compiles a pattern; throws a message for a malformed one (the caller names the field). */
export function compilePattern(source: string): KeyPattern {
  const segments = splitSegments(source);
  let regex = '';
  let prefix = '';
  let literal = true;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment.length === 1 && segment[0] === GLOBSTAR) {
      regex += last ? '.*' : '(?:[^/]*/)*';
      literal = false;
      return;
    }
    for (const part of segment) {
      if (typeof part === 'string') {
        regex += escapeRegex(part);
        if (literal) prefix += part;
      } else {
        // A globstar only ever stands alone in its segment (checked by splitSegments), so this is "*".
        regex += '[^/]*';
        literal = false;
      }
    }
    if (!last) {
      regex += '/';
      if (literal) prefix += '/';
    }
  });
  return { source, prefix, regex: new RegExp(`^${regex}$`, 's') };
}

/** True when `key` matches. */
export function patternMatches(pattern: KeyPattern, key: string): boolean {
  return key.startsWith(pattern.prefix) && pattern.regex.test(key);
}

const STAR = Symbol('*');
const GLOBSTAR = Symbol('**');
type Part = string | typeof STAR | typeof GLOBSTAR;

/** Splits into segments of literal characters and wildcards, honouring `\` escapes. */
function splitSegments(source: string): Part[][] {
  const segments: Part[][] = [[]];
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    const current = segments[segments.length - 1]!;
    if (c === '\\') {
      if (i + 1 >= source.length) throw new Error('ends with a lone "\\" (escape what?)');
      current.push(source[++i]!);
    } else if (c === '/') {
      segments.push([]);
    } else if (c === '*') {
      if (source[i + 1] === '*') {
        const alone = current.length === 0 && (i + 2 === source.length || source[i + 2] === '/');
        if (!alone) throw new Error('"**" must be a whole segment (e.g. "a/**/b"); use "*" within a segment');
        current.push(GLOBSTAR);
        i++;
      } else {
        current.push(STAR);
      }
    } else {
      current.push(c);
    }
  }
  return segments;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
