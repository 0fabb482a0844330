import { isUtf8 } from 'node:buffer';

/**
 * UTF-8 validation of raw bytes, before anything decodes them: a decoder replaces each invalid sequence with
 * U+FFFD, which would make different byte strings (`a\xFFb`, `a\xFEb`) the same key.
 */

/** Below this many bytes a JavaScript scan beats creating a view for the native check. */
const NATIVE_FROM = 64;

/**
 * The offset (from `start`) of the first byte of the first ill-formed sequence in bytes[start, end), or -1
 * when the range is well-formed UTF-8 (Unicode table 3-7: no overlong forms, no surrogates, nothing above
 * U+10FFFF, no truncated sequence).
 */
export function invalidUtf8Offset(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (end - start >= NATIVE_FROM && isUtf8(bytes.subarray(start, end))) return -1;
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = sequenceLength(bytes, i, end);
    if (length === 0) return i - start;
    i += length;
  }
  return -1;
}

/** The length of the well-formed multi-byte sequence at i, or 0 when it is ill-formed or truncated. */
function sequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const b = bytes[i]!;
  let length: number;
  // The second byte's range depends on the lead byte; later bytes are always 0x80..0xBF.
  let low = 0x80;
  let high = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) length = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    length = 3;
    if (b === 0xe0) low = 0xa0;
    else if (b === 0xed) high = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    length = 4;
    if (b === 0xf0) low = 0x90;
    else if (b === 0xf4) high = 0x8f;
  } else return 0;
  if (i + length > end) return 0;
  const second = bytes[i + 1]!;
  if (second < low || second > high) return 0;
  for (let k = 2; k < length; k++) {
    const c = bytes[i + k]!;
    if (c < 0x80 || c > 0xbf) return 0;
  }
  return length;
}
