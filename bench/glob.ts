/**
 * npm run bench:glob: the cost of matching one key against a glob, worst cases included.
 *
 *   - the crafted pattern of issue 10 ("**\/" x 10 + "z" against a 26-segment key) with the backtracking
 *     RegExp that src/keys/key-pattern.ts replaced (reproduced below) and with the matcher of today;
 *   - the worst case the store's limits admit (a 4 KiB key of 2,049 segments against a pattern at the
 *     length limit whose every segment stays a live state), and an everyday pattern for scale.
 *
 *   npm run bench:glob -- --no-regex     (skips the seconds-long RegExp run)
 */
import { parseArgs } from 'node:util';
import { compilePattern, matchSteps, patternMatches } from '../src/keys/key-pattern.js';
import { MAX_PATTERN_BYTES, MAX_PATTERN_GLOBSTARS, MAX_PATTERN_SEGMENTS } from '../src/store/limits.js';

const { values } = parseArgs({ options: { 'no-regex': { type: 'boolean', default: false } } });

/** The compilation this project used before: one RegExp, `**` as a repeated group (it backtracks). */
function backtrackingRegex(source: string): RegExp {
  const escapeText = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const segments = source.split('/');
  const body = segments
    .map((segment, i) => {
      const last = i === segments.length - 1;
      if (segment === '**') return last ? '.*' : '(?:[^/]*/)*';
      return segment.split('*').map(escapeText).join('[^/]*') + (last ? '' : '/');
    })
    .join('');
  return new RegExp(`^${body}$`, 's');
}

/** Mean time of one call of `fn`, over at least `minMs` of runs. */
function timeEach(fn: () => unknown, minMs = 300): number {
  let runs = 0;
  const started = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 10; i++) fn();
    runs += 10;
    elapsed = performance.now() - started;
  } while (elapsed < minMs);
  return elapsed / runs;
}

const format = (ms: number) =>
  ms >= 1
    ? `${ms.toFixed(1)} ms`
    : ms >= 0.001
      ? `${(ms * 1000).toFixed(1)} µs`
      : `${(ms * 1e6).toFixed(0)} ns`;

function row(name: string, pattern: string, key: string): void {
  const compiled = compilePattern(pattern);
  const { matched, steps } = matchSteps(compiled, key);
  const ms = timeEach(() => patternMatches(compiled, key));
  console.log(
    `${name.padEnd(46)} ${String(pattern.length).padStart(5)} B ${String(key.length).padStart(5)} B  ` +
      `${String(steps).padStart(9)} steps  ${format(ms).padStart(9)}  matched=${matched}`,
  );
}

const crafted = `${'**/'.repeat(10)}z`;
const key26 = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i))
  .join('/')
  .replace(/z$/, 'y');

console.log(
  `limits: pattern <= ${MAX_PATTERN_BYTES} bytes, <= ${MAX_PATTERN_SEGMENTS} segments, <= ${MAX_PATTERN_GLOBSTARS} "**"\n`,
);
console.log(`${'case'.padEnd(46)} pattern   key      work          time/match`);
if (!values['no-regex']) {
  const regex = backtrackingRegex(crafted);
  const started = performance.now();
  const matched = regex.test(key26);
  const ms = performance.now() - started;
  console.log(
    `${'issue 10 crafted, backtracking RegExp (before)'.padEnd(46)} ${String(crafted.length).padStart(5)} B ` +
      `${String(key26.length).padStart(5)} B  ${'-'.padStart(15)}  ${format(ms).padStart(9)}  matched=${matched}`,
  );
}
row('issue 10 crafted, segment NFA (now)', crafted, key26);

// Worst case under the limits: a 4 KiB key of 2,049 one-letter segments. After a "**", one-letter
// segments stay live states on every key segment; "*a*" segments also cost a scan each.
const bigKey = `${'a/'.repeat(2047)}ab`;
const live = MAX_PATTERN_SEGMENTS - 2;
row(`worst admitted: "**", ${live} live segments`, `**/${'a/'.repeat(live)}b`, bigKey);
const g = MAX_PATTERN_GLOBSTARS;
row(
  `"**" x ${g}, then "*a*" x ${MAX_PATTERN_SEGMENTS - g - 1}`,
  `${'**/'.repeat(g)}${'*a*/'.repeat(MAX_PATTERN_SEGMENTS - g - 1)}b`,
  bigKey,
);
const longSegs = `${'x'.repeat(1000)}/`.repeat(4);
row('long segments: "**/*x*x*x*y" x 2, 4 KiB key', '**/*x*x*x*y/**/*x*x*x*y', longSegs);
row('everyday: app/*/config', 'app/*/config', 'app/frontend/config');
row('everyday: logs/**/error-*', 'logs/**/error-*', 'logs/2026/11/30/error-42');
