/**
 * The additional data that binds a sealed value to its place (see encryption.ts): a label naming what it
 * is, then numbers big-endian, 4 bytes (`u32`) or 8 (`u64`, as two 32-bit halves). Each kind of sealed
 * thing keeps its layout for ever: test/security/encryption-format.test.ts reads data sealed by 0.1.
 */

/** One number of a context: its width and value. */
export type SealField = readonly ['u32' | 'u64', number];

/** A context label: the name and a NUL, in one byte per character. */
export function sealLabel(name: string): Buffer {
  return Buffer.from(`${name}\0`, 'latin1');
}

/** `label` followed by `fields`, in order. */
export function sealContext(label: Buffer, fields: readonly SealField[]): Buffer {
  let size = label.length;
  for (const [width] of fields) size += width === 'u32' ? 4 : 8;
  const out = Buffer.allocUnsafe(size);
  label.copy(out, 0);
  let at = label.length;
  for (const [width, value] of fields) {
    if (width === 'u64') {
      out.writeUInt32BE(Math.floor(value / 0x1_0000_0000), at);
      at += 4;
    }
    out.writeUInt32BE(value >>> 0, at);
    at += 4;
  }
  return out;
}
