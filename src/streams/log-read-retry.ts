import { RecordFormatError } from '../log/codec.js';
import { DecryptionError, EncryptionKeyError, EnvelopeFormatError } from '../log/encryption.js';
import { LogClosedError, LogCompactedError, LogFileError } from '../log/event-log.js';

/** How long a watch keeps retrying a catch-up read that fails for a reason that may pass, in ms. */
export const READ_RETRY_FOR_MS = 60_000;
const FIRST_WAIT_MS = 100;
const LONGEST_WAIT_MS = 2_000;

/**
 * Retries of a watch's catch-up reads. A shared log can be briefly unreadable (a JetStream stream electing
 * a new leader takes 5-7 s here, a PostgreSQL restart a few seconds): the watch then waits and reads again
 * from where it stopped (no gap, no duplicate), as a client would have to, rather than ending. Damage, a key
 * problem, a compaction or a closed log end it at once; anything else ends it after {@link READ_RETRY_FOR_MS}
 * of consecutive failures.
 */
export class LogReadRetry {
  private failingSince = 0;
  private waitMs = FIRST_WAIT_MS;

  /** A read worked: the next failure starts a new count. */
  succeeded(): void {
    this.failingSince = 0;
    this.waitMs = FIRST_WAIT_MS;
  }

  /** After a failed read: resolves true once it is time to read again, false when the watch must end. */
  async again(err: unknown): Promise<boolean> {
    if (!mayPass(err)) return false;
    const now = Date.now();
    if (this.failingSince === 0) this.failingSince = now;
    if (now - this.failingSince >= READ_RETRY_FOR_MS) return false;
    const wait = this.waitMs;
    this.waitMs = Math.min(LONGEST_WAIT_MS, this.waitMs * 2);
    await new Promise<void>((resolve) => setTimeout(resolve, wait).unref());
    return true;
  }
}

/** Whether a failed read may work if made again later (the log's backend was unreachable, not damaged). */
export function mayPass(err: unknown): boolean {
  return !(
    err instanceof LogCompactedError ||
    err instanceof LogClosedError ||
    err instanceof LogFileError ||
    err instanceof RecordFormatError ||
    err instanceof DecryptionError ||
    err instanceof EncryptionKeyError ||
    err instanceof EnvelopeFormatError
  );
}
