import { activeKeyRing, EnvelopeFormatError, openSealed, seal } from '../log/encryption.js';
import { sealContext, sealLabel } from '../log/seal-context.js';
import type { EntryWire } from '../projections/entry-wire.js';
import { backupPackr, FRAME } from './backup-format.js';

/**
 * A full backup's state entries under encryption at rest (docs/security.md): with a key ring, each entries
 * frame becomes `[3, count, envelope]` (the count in the clear, so a backup can be checked without the key),
 * the envelope sealing the MessagePack array of entries, bound to the backup's
 * base revision and the frame's index among the entries frames (so frames cannot be moved or swapped
 * between backups unnoticed). Log records need nothing here: they are copied sealed, as the log stores them.
 */

/** The frame value of a batch of entries: plain `[1, entries]`, or sealed `[3, count, envelope]` with a key ring. */
export function entriesFrameValue(
  wire: readonly EntryWire[],
  baseRevision: number,
  index: number,
): unknown[] {
  const ring = activeKeyRing();
  if (ring === null) return [FRAME.ENTRIES, wire];
  return [
    FRAME.SEALED_ENTRIES,
    wire.length,
    seal(ring, backupPackr.pack(wire), context(baseRevision, index)),
  ];
}

/**
 * The entries of a sealed frame's envelope (`what` names it in errors: the file and the frame). A missing
 * key or a failed tag throws the encryption module's errors; anything malformed throws `fail(reason)`.
 */
export function openEntriesFrame(
  frame: readonly unknown[],
  baseRevision: number,
  index: number,
  what: string,
  fail: (reason: string) => Error,
): unknown {
  const count = sealedCount(frame, fail);
  const envelope = frame[2] as Uint8Array;
  let plain: Buffer;
  try {
    plain = openSealed(activeKeyRing(), envelope, context(baseRevision, index), what);
  } catch (err) {
    if (err instanceof EnvelopeFormatError) throw fail(err.message);
    throw err;
  }
  let wire: unknown;
  try {
    wire = backupPackr.unpack(plain);
  } catch (err) {
    throw fail(`sealed entries are not valid MessagePack (${(err as Error).message})`);
  }
  if (!Array.isArray(wire) || wire.length !== count) {
    throw fail(`sealed entries frame says ${count} entries; its envelope does not hold that many`);
  }
  return wire;
}

/** The entry count a sealed frame states, once its shape is checked. */
export function sealedCount(frame: readonly unknown[], fail: (reason: string) => Error): number {
  const [, count, envelope] = frame;
  if (
    typeof count !== 'number' ||
    !Number.isSafeInteger(count) ||
    count < 0 ||
    !(envelope instanceof Uint8Array)
  ) {
    throw fail('sealed entries frame is not [3, count, envelope]');
  }
  return count;
}

const ENTRIES = sealLabel('kvstore backup entries');

function context(baseRevision: number, index: number): Buffer {
  return sealContext(ENTRIES, [
    ['u64', baseRevision],
    ['u32', index],
  ]);
}
