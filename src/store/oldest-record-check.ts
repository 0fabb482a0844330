import type { EventLog } from '../log/event-log.js';
import { LogCompactedError } from '../log/event-log.js';

/**
 * Encryption at rest: start-up replays only the log after the newest checkpoint, which the current key
 * sealed, so a key removed from the ring while older records are still sealed with it would go unnoticed
 * until a watch or a history read reached them. Records are sealed in revision order, key after key, so
 * the oldest record held is under the oldest key still in use: opening it (one read) turns that mistake
 * into a start-up error naming the key. A `kvstore reencrypt` interrupted half-way breaks that order;
 * `kvstore check` opens every record (docs/security.md).
 */
export async function openOldestRecord(log: EventLog): Promise<void> {
  const oldest = log.compactRevision();
  if (oldest > log.lastRevision()) return;
  try {
    await log.readOne(oldest);
  } catch (err) {
    // Compacted between the two calls: the next oldest is as good, and a start-up is no place to chase it.
    if (err instanceof LogCompactedError) return;
    throw err;
  }
}
