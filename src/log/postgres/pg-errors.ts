import { RecordFormatError } from '../codec.js';
import { DamagedRecordError, LogUnavailableError, LogWriteError } from '../event-log.js';

/** Why PostgreSQL could not be used, as /readyz shows it until a round trip works again. */
export function troubleText(where: string, err: Error): string {
  return `PostgreSQL ${where}: ${err.message}`;
}

/** A read-pool query whose connection failed or went unanswered: UNAVAILABLE (retry later). */
export function queryUnavailable(where: string, err: Error): LogUnavailableError {
  return new LogUnavailableError(troubleText(where, err));
}

/**
 * UNAVAILABLE for a transaction that failed, after `trouble` (see troubleText). When its COMMIT was sent and
 * the answer lost, the write may have landed: the caller must read before retrying a conditional write.
 */
export function transactionUnavailable(trouble: string, maybeWritten: boolean): LogUnavailableError {
  return new LogUnavailableError(
    `${trouble}; ${maybeWritten ? 'the write may or may not have been written: read the key before retrying a conditional write' : 'nothing was written'}`,
  );
}

/** A record that failed its checks on read names the log and the revision; other errors pass unchanged. */
export function damagedError(where: string, err: unknown): Error {
  return err instanceof RecordFormatError ? new DamagedRecordError(where, err.revision, err) : (err as Error);
}

/** The node stopped following the table (a gap, damage, a replaced table): no more writes until restart. */
export function followFailure(where: string, err: Error): LogWriteError {
  return new LogWriteError(
    `${where}: this node stopped following the log (${err.message}); it accepts no more writes until kvstore restarts`,
    err,
  );
}
