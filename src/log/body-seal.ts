import { activeKeyRing, EnvelopeFormatError, envelopeKeyId, openSealed, seal } from './encryption.js';
import { sealContext, sealLabel } from './seal-context.js';

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

const RECORD = sealLabel('kvstore record');

function recordContext(revision: number): Buffer {
  return sealContext(RECORD, [['u64', revision]]);
}
