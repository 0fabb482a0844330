import { activeKeyRing, EnvelopeFormatError, envelopeKeyId, openSealed, seal } from './encryption.js';

/**
 * The codec's body under encryption at rest: sealed with the process's current data key, the revision bound
 * into the GCM tag (a record copied to another revision fails it, as it fails its checksum).
 */

/** The body sealed under the current key, or null when encryption at rest is off (the body is stored as is). */
export function sealRecordBody(revision: number, body: Uint8Array): Buffer | null {
  const ring = activeKeyRing();
  return ring === null ? null : seal(ring, body, recordContext(revision));
}

/**
 * The plaintext body of a sealed record. A missing key or a failed tag throws the encryption module's
 * errors (a configuration problem, not damage: the checksum held); a malformed envelope throws `onFormat`.
 */
export function openRecordBody(
  revision: number,
  stored: Uint8Array,
  onFormat: (message: string) => Error,
): Buffer {
  try {
    return openSealed(activeKeyRing(), stored, recordContext(revision), `the record at revision ${revision}`);
  } catch (err) {
    if (err instanceof EnvelopeFormatError) throw onFormat(err.message);
    throw err;
  }
}

/** Whether new records are sealed (a key ring is set). */
export function encryptionOn(): boolean {
  return activeKeyRing() !== null;
}

/** Whether a sealed body names the current key (so re-encryption can leave it as it is). */
export function sealedUnderCurrentKey(stored: Uint8Array): boolean {
  return envelopeKeyId(stored) === activeKeyRing()?.currentId;
}

const PREFIX = Buffer.from('kvstore record\0', 'latin1');

function recordContext(revision: number): Buffer {
  const out = Buffer.allocUnsafe(PREFIX.length + 8);
  PREFIX.copy(out, 0);
  out.writeUInt32BE(Math.floor(revision / 0x1_0000_0000), PREFIX.length);
  out.writeUInt32BE(revision >>> 0, PREFIX.length + 4);
  return out;
}
