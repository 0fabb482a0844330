import { activeKeyRing, EnvelopeFormatError, openSealed, seal } from '../log/encryption.js';
import { sealContext, sealLabel } from '../log/seal-context.js';
import { type LeaseWire, leasesFromWire } from '../projections/lease-table.js';
import { backupPackr, FRAME } from './backup-format.js';

/**
 * A full backup's leases (etcd's, with the keys attached to each), so a restore gives the keys their lease
 * back rather than keeping them for ever: `[4, leases]`, or under encryption at rest `[5, count, envelope]`
 * (the keys are sealed like the state entries, bound to the base revision). Written after the entries.
 */

/** The frame value of the leases: plain, or sealed with a key ring. */
export function leasesFrameValue(leases: readonly LeaseWire[], baseRevision: number): unknown[] {
  const ring = activeKeyRing();
  if (ring === null) return [FRAME.LEASES, leases];
  return [FRAME.SEALED_LEASES, leases.length, seal(ring, backupPackr.pack(leases), context(baseRevision))];
}

/** The leases of a leases frame (opening it when sealed); anything malformed throws `fail(reason)`. */
export function openLeasesFrame(
  frame: readonly unknown[],
  baseRevision: number,
  fail: (reason: string) => Error,
): LeaseWire[] {
  let wire: unknown = frame[1];
  if (frame[0] === FRAME.SEALED_LEASES) {
    const envelope = frame[2];
    if (!(envelope instanceof Uint8Array)) throw fail('sealed leases frame is not [5, count, envelope]');
    try {
      wire = backupPackr.unpack(
        openSealed(activeKeyRing(), envelope, context(baseRevision), "the backup's leases"),
      );
    } catch (err) {
      if (err instanceof EnvelopeFormatError) throw fail(err.message);
      throw err;
    }
  }
  const leases = leasesFromWire(wire);
  if (leases === null) throw fail('leases frame does not hold [[id, ttlSeconds, [key, ...]], ...]');
  return leases;
}

const LEASES = sealLabel('kvstore backup leases');

function context(baseRevision: number): Buffer {
  return sealContext(LEASES, [['u64', baseRevision]]);
}
