import { describe, expect, it } from 'vitest';
import { invalidUtf8Offset } from '../../src/keys/utf8.js';

const fatal = new TextDecoder('utf-8', { fatal: true });
const bytes = (...b: number[]) => Uint8Array.from(b);

describe('UTF-8 validation of raw bytes', () => {
  it('finds the first byte of the first ill-formed sequence', () => {
    const cases: [Uint8Array, number][] = [
      [Buffer.from('plain ascii'), -1],
      [Buffer.from('ключ/😀/é'), -1],
      [bytes(0x61, 0xff, 0x62), 1], // a\xFFb
      [bytes(0x61, 0xfe, 0x62), 1], // a\xFEb
      [bytes(0xc0, 0x80), 0], // overlong NUL
      [bytes(0xc1, 0xbf), 0], // overlong
      [bytes(0xe0, 0x80, 0x80), 0], // overlong 3-byte
      [bytes(0xed, 0xa0, 0x80), 0], // UTF-16 surrogate D800
      [bytes(0xf4, 0x90, 0x80, 0x80), 0], // above U+10FFFF
      [bytes(0xf5, 0x80, 0x80, 0x80), 0],
      [bytes(0x61, 0x62, 0xe2, 0x82), 2], // cut off at the end
      [bytes(0x61, 0xc3), 1],
      [bytes(0xc3, 0xa9, 0x80), 2], // stray continuation byte
      [bytes(0xef, 0xbf, 0xbf), -1], // U+FFFF is well-formed
      [bytes(0xf4, 0x8f, 0xbf, 0xbf), -1], // U+10FFFF
    ];
    for (const [input, offset] of cases)
      expect(invalidUtf8Offset(input), Buffer.from(input).toString('hex')).toBe(offset);
  });

  it('checks only the given range and counts the offset from its start', () => {
    const b = bytes(0xff, 0x61, 0x62, 0xff, 0x63);
    expect(invalidUtf8Offset(b, 1, 3)).toBe(-1);
    expect(invalidUtf8Offset(b, 1, 5)).toBe(2);
  });

  it('agrees with a fatal TextDecoder on random byte strings, short and long', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const pool = [
      0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff,
    ];
    for (let i = 0; i < 20_000; i++) {
      const length = i % 50 === 0 ? 64 + (next() % 200) : next() % 8;
      const input = Uint8Array.from({ length }, () =>
        next() % 3 === 0 ? 0x61 : pool[next() % pool.length]!,
      );
      let valid = true;
      try {
        fatal.decode(input);
      } catch {
        valid = false;
      }
      expect(invalidUtf8Offset(input) === -1, Buffer.from(input).toString('hex')).toBe(valid);
    }
  });
});
