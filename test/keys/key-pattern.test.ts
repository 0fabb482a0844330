import { describe, expect, it } from 'vitest';
import { compilePattern, matchSteps, patternMatches } from '../../src/keys/key-pattern.js';
import { InvalidArgumentError } from '../../src/store/errors.js';
import {
  MAX_PATTERN_BYTES,
  MAX_PATTERN_GLOBSTARS,
  MAX_PATTERN_SEGMENTS,
  parsePattern,
} from '../../src/store/limits.js';

const matches = (pattern: string, key: string) => patternMatches(compilePattern(pattern), key);

/** The regular expression the documented semantics translate to: a reference for short inputs only. */
function reference(pattern: string): RegExp {
  let body = '';
  const segments = pattern.split('/');
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      body += last ? '.*' : '(?:[^/]*/)*';
      return;
    }
    const escaped = segment.split('*').map((t) => t.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    body += escaped.join('[^/]*') + (last ? '' : '/');
  });
  return new RegExp(`^${body}$`, 's');
}

describe('glob matching semantics', () => {
  it('matches the documented table', () => {
    const cases: [string, string, boolean][] = [
      ['a/*/c', 'a/b/c', true],
      ['a/*/c', 'a//c', true],
      ['a/*/c', 'a/b/x/c', false],
      ['a/**/c', 'a/c', true],
      ['a/**/c', 'a/b/x/c', true],
      ['a/**/c', 'a/b/x/d', false],
      ['**/c', 'c', true],
      ['**/c', 'x/y/c', true],
      ['**', '', true],
      ['**', 'any/depth/at/all', true],
      ['logs/**', 'logs', false],
      ['logs/**', 'logs/', true],
      ['logs/**', 'logs/2026/11/30', true],
      ['a/**/**/b', 'a/b', true],
      ['a/**/', 'a/', true],
      ['a/**/', 'a/x/y/', true],
      ['a/**/', 'a/x', false],
      ['user-*', 'user-', true],
      ['user-*', 'user-42/x', false],
      ['*a*b*', 'xaybz', true],
      ['*a*b*', 'xbya', false],
      ['a*a*a', 'aaa', true],
      ['a*a*a', 'aa', false],
      ['*.json', 'x.json', true],
      ['*.json', 'xjson', false],
      ['lit\\*/x', 'lit*/x', true],
      ['lit\\*/x', 'litZ/x', false],
      ['a\\/b', 'a/b', true],
      ['\\**', '*x', true],
      ['\\**', 'x*', false],
      ['клю*/*', 'ключ/😀', true],
      ['a/*', 'a/line\nbreak', true],
    ];
    for (const [pattern, key, expected] of cases)
      expect(matches(pattern, key), `${pattern} ~ ${key}`).toBe(expected);
  });

  it('takes everything before the first wildcard as the literal prefix that bounds a scan', () => {
    expect(compilePattern('app/*/config').prefix).toBe('app/');
    expect(compilePattern('a/b\\*c/**').prefix).toBe('a/b*c/');
    expect(compilePattern('**/x').prefix).toBe('');
    expect(compilePattern('plain/key').prefix).toBe('plain/key');
  });

  it('refuses a malformed pattern with a message', () => {
    expect(() => compilePattern('a**')).toThrow(/must be a whole segment/);
    expect(() => compilePattern('**b/c')).toThrow(/must be a whole segment/);
    expect(() => compilePattern('a\\')).toThrow(/lone "\\"/);
  });

  it('agrees with the reference translation on every short pattern and key (seeded sample)', () => {
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const patternParts = ['a', 'b', '/', '*', '**/', '/**'];
    const keyParts = ['a', 'b', '/'];
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      let pattern = '';
      for (let j = 1 + next(6); j > 0; j--) pattern += patternParts[next(patternParts.length)];
      let key = '';
      for (let j = next(9); j > 0; j--) key += keyParts[next(keyParts.length)];
      let compiled: ReturnType<typeof compilePattern>;
      try {
        compiled = compilePattern(pattern);
      } catch {
        continue; // e.g. "a**": malformed, refused by both
      }
      expect(patternMatches(compiled, key), `${pattern} ~ ${key}`).toBe(reference(pattern).test(key));
      checked++;
    }
    expect(checked).toBeGreaterThan(5000);
  });
});

describe('glob matching work is bounded', () => {
  const bound = (pattern: string, key: string) =>
    key.split('/').length * (compilePattern(pattern).segments.length + 1);

  it('matches the crafted pattern of issue 10 in (key segments) x (pattern segments + 1) steps', () => {
    const crafted = `${'**/'.repeat(10)}z`;
    const key = `${'abcdefghijklmnopqrstuvwxy'.split('').join('/')}/y`; // 26 segments, no "z"
    const { matched, steps } = matchSteps(compilePattern(crafted), key);
    expect(matched).toBe(false);
    expect(steps).toBeLessThanOrEqual(bound(crafted, key));
    expect(steps).toBeLessThanOrEqual(26 * 12);
  });

  it('stays within the bound for the worst patterns the limits admit against a 4 KiB key', () => {
    const key = `${'a/'.repeat(2047)}ab`;
    const cases = [
      `**/${'a/'.repeat(MAX_PATTERN_SEGMENTS - 2)}b`,
      `${'**/'.repeat(MAX_PATTERN_GLOBSTARS)}${'*a*/'.repeat(MAX_PATTERN_SEGMENTS - MAX_PATTERN_GLOBSTARS - 1)}b`,
      `${'**/*a*a*a*/'.repeat(MAX_PATTERN_GLOBSTARS - 1)}b`,
    ];
    for (const pattern of cases) {
      const span = parsePattern(pattern); // within the limits
      expect(span.kind).toBe('pattern');
      const { matched, steps } = matchSteps(compilePattern(pattern), key);
      expect(matched).toBe(false);
      expect(steps, pattern).toBeLessThanOrEqual(bound(pattern, key));
    }
  });

  it('runs the crafted pattern over a thousand adversarial keys (exponential matching would not finish)', () => {
    const compiled = compilePattern(`${'**/'.repeat(MAX_PATTERN_GLOBSTARS)}z`);
    let matched = 0;
    for (let i = 0; i < 1000; i++) {
      const key = Array.from({ length: 40 + (i % 20) }, (_, j) =>
        String.fromCharCode(97 + ((i + j) % 25)),
      ).join('/');
      if (patternMatches(compiled, key)) matched++;
    }
    expect(matched).toBe(0);
  });
});

describe('pattern limits (the store validates them once, for every API)', () => {
  const refusal = (pattern: string) => {
    try {
      parsePattern(pattern);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidArgumentError);
      return (err as Error).message;
    }
    throw new Error(`"${pattern}" was accepted`);
  };

  it('names the field and the limit', () => {
    expect(refusal('x'.repeat(MAX_PATTERN_BYTES + 1))).toMatch(
      new RegExp(`pattern.*${MAX_PATTERN_BYTES + 1} bytes.*limit of ${MAX_PATTERN_BYTES} bytes`),
    );
    expect(refusal('é'.repeat(MAX_PATTERN_BYTES / 2 + 1))).toMatch(/limit of 1024 bytes/);
    expect(refusal(`${'a/'.repeat(MAX_PATTERN_SEGMENTS)}b`)).toMatch(
      new RegExp(`pattern.*${MAX_PATTERN_SEGMENTS + 1} segments.*limit of ${MAX_PATTERN_SEGMENTS}`),
    );
    expect(refusal(`${'**/'.repeat(MAX_PATTERN_GLOBSTARS + 1)}z`)).toMatch(
      new RegExp(
        `pattern.*${MAX_PATTERN_GLOBSTARS + 1} "\\*\\*" segments.*limit of ${MAX_PATTERN_GLOBSTARS}`,
      ),
    );
    expect(parsePattern('x'.repeat(MAX_PATTERN_BYTES)).kind).toBe('pattern');
  });
});
