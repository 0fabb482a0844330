/**
 * Key patterns: globs over `/`-separated segments. `*` matches any run of characters within one segment,
 * `**` as a whole segment matches any number of segments (none included in the middle: `a/**\/b` matches
 * `a/b` and `a/x/y/b`; at the end, `logs/**` matches every key under `logs/`), `\` escapes the next
 * character (`\/` is still a separator: a `/` in a key always is). Everything before the first wildcard is
 * the literal prefix that bounds a scan.
 *
 * Matching never backtracks: the key is split into segments once and a set of pattern positions is carried
 * across them (an NFA simulation), each segment tested against a pattern segment in one left-to-right pass.
 * The work is at most (key segments) x (pattern segments + 1) segment tests, each linear in the segment's
 * length; {@link matchSteps} counts them. The store bounds pattern length and `**` count (limits.ts).
 */

/** A compiled pattern. */
export interface KeyPattern {
  readonly source: string;
  /** The literal part before the first wildcard: every match starts with it. */
  readonly prefix: string;
  /** Pattern segments in order; see {@link SegmentGlob}. */
  readonly segments: readonly SegmentGlob[];
  /** How many segments are `**`. */
  readonly globstars: number;
}

/**
 * One pattern segment: `**` (any number of key segments), or literal pieces with a `*` between each two
 * (one piece = no `*`: the segment must equal it).
 */
export type SegmentGlob =
  | { readonly globstar: true }
  | { readonly globstar: false; readonly pieces: readonly string[] };

const GLOBSTAR_SEGMENT: SegmentGlob = { globstar: true };

/** Compiles a pattern; throws a message for a malformed one (the caller names the field). */
export function compilePattern(source: string): KeyPattern {
  const segments: SegmentGlob[] = [];
  let pieces: string[] = [''];
  let prefix = '';
  let literal = true;
  let globstars = 0;
  const endSegment = () => {
    segments.push({ globstar: false, pieces });
    pieces = [''];
  };
  for (let i = 0; i < source.length; i++) {
    let c = source[i]!;
    if (c === '\\') {
      if (i + 1 >= source.length) throw new Error('ends with a lone "\\" (escape what?)');
      c = source[++i]!;
      if (c !== '/') {
        pieces[pieces.length - 1] += c;
        if (literal) prefix += c;
        continue;
      }
    }
    if (c === '/') {
      endSegment();
      if (literal) prefix += '/';
    } else if (c === '*') {
      literal = false;
      if (source[i + 1] === '*') {
        const alone =
          pieces.length === 1 && pieces[0] === '' && (i + 2 === source.length || source[i + 2] === '/');
        if (!alone) throw new Error('"**" must be a whole segment (e.g. "a/**/b"); use "*" within a segment');
        segments.push(GLOBSTAR_SEGMENT);
        globstars++;
        i += 2; // past "**" and the "/" after it (if any)
        if (i === source.length) return { source, prefix, segments, globstars };
      } else {
        pieces.push('');
      }
    } else {
      pieces[pieces.length - 1] += c;
      if (literal) prefix += c;
    }
  }
  endSegment();
  return { source, prefix, segments, globstars };
}

/** True when `key` matches. */
export function patternMatches(pattern: KeyPattern, key: string): boolean {
  return key.startsWith(pattern.prefix) && run(pattern, key, null);
}

/**
 * Matches like {@link patternMatches} (without the prefix shortcut) and returns how many segment tests it
 * made: the measure of its work, for tests that pin the bound.
 */
export function matchSteps(pattern: KeyPattern, key: string): { matched: boolean; steps: number } {
  const counter = { steps: 0 };
  const matched = run(pattern, key, counter);
  return { matched, steps: counter.steps };
}

/** Scratch state sets, reused: matching is synchronous, so one pair serves every pattern. */
let currentStates = new Uint8Array(64);
let nextStates = new Uint8Array(64);

/**
 * The NFA simulation. State i means "pattern segments before i are matched"; n (= segment count) accepts.
 * A `**` at i consumes any key segment and stays at i; in the middle it may also match none (i -> i + 1
 * without consuming); at the end it must consume at least one (the `/` before it is literal), so on a
 * segment it also moves to n.
 */
function run(pattern: KeyPattern, key: string, counter: { steps: number } | null): boolean {
  const segs = pattern.segments;
  const n = segs.length;
  if (pattern.globstars === 0) return runFixedDepth(segs, key, counter);
  if (currentStates.length <= n) {
    currentStates = new Uint8Array(2 * (n + 1));
    nextStates = new Uint8Array(2 * (n + 1));
  }
  let current = currentStates.fill(0, 0, n + 1);
  let next = nextStates;
  addWithClosure(segs, current, 0);
  for (const part of key.split('/')) {
    next.fill(0, 0, n + 1);
    let alive = false;
    for (let i = 0; i < n; i++) {
      if (current[i] === 0) continue;
      const seg = segs[i]!;
      if (counter) counter.steps++;
      if (seg.globstar) {
        addWithClosure(segs, next, i);
        if (i === n - 1) next[n] = 1;
        alive = true;
      } else if (segmentMatches(seg.pieces, part, 0, part.length)) {
        addWithClosure(segs, next, i + 1);
        alive = true;
      }
    }
    if (!alive) return false;
    [current, next] = [next, current];
  }
  return current[n] === 1;
}

/**
 * Without `**` a key matches only with exactly one segment per pattern segment: one pass, no allocation.
 * (A `*` piece searched past its segment's end costs at most the key's length, for at most 32 segments.)
 */
function runFixedDepth(
  segs: readonly SegmentGlob[],
  key: string,
  counter: { steps: number } | null,
): boolean {
  let start = 0;
  for (let i = 0; i < segs.length; i++) {
    const slash = key.indexOf('/', start);
    const last = i === segs.length - 1;
    if (last !== (slash === -1)) return false;
    const end = last ? key.length : slash;
    const seg = segs[i]!;
    if (counter) counter.steps++;
    if (seg.globstar || !segmentMatches(seg.pieces, key, start, end)) return false;
    start = end + 1;
  }
  return true;
}

/**
 * Marks state i and every state reachable from it by a middle `**` matching no segment. A state already
 * marked had its closure marked with it, so the walk stops there (each state is walked once per segment).
 */
function addWithClosure(segs: readonly SegmentGlob[], states: Uint8Array, i: number): void {
  let j = i;
  states[j] = 1;
  while (j < segs.length - 1 && segs[j]!.globstar && states[j + 1] === 0) states[++j] = 1;
}

/**
 * True when key[start, end) (one segment) matches literal pieces joined by `*`: the first piece is a prefix,
 * the last a suffix, and each middle piece is taken at its leftmost place after the previous one. Leftmost is always right (it
 * leaves the most room for the rest), so one forward pass decides, with no backtracking.
 */
function segmentMatches(pieces: readonly string[], key: string, start: number, end: number): boolean {
  const first = pieces[0]!;
  if (pieces.length === 1) return end - start === first.length && key.startsWith(first, start);
  const last = pieces[pieces.length - 1]!;
  const limit = end - last.length;
  if (limit - start < first.length || !key.startsWith(first, start) || !key.startsWith(last, limit)) {
    return false;
  }
  let at = start + first.length;
  for (let p = 1; p < pieces.length - 1; p++) {
    const piece = pieces[p]!;
    if (piece === '') continue;
    const found = key.indexOf(piece, at);
    if (found === -1 || found + piece.length > limit) return false;
    at = found + piece.length;
  }
  return true;
}
