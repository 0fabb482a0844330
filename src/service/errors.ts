import { DamagedRecordError } from '../log/event-log.js';
import { ConditionFailedError } from '../store/conditions.js';
import {
  ConflictError,
  InvalidArgumentError,
  RangeTooLargeError,
  RevisionOutOfRangeError,
  StoreUnavailableError,
} from '../store/errors.js';
import { QuotaExceededError } from '../store/namespace-quota.js';
import { ResponseTooLargeError } from '../store/response-budget.js';

/**
 * The canonical codes every transport answers with (gRPC's names; HTTP and the etcd API map them to their
 * own statuses, each in one table).
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'FAILED_PRECONDITION'
  | 'OUT_OF_RANGE'
  | 'RESOURCE_EXHAUSTED'
  | 'ABORTED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'CANCELLED'
  | 'INTERNAL';

/** An error as a client receives it: code, message for the user, and details it can act on. */
export class ServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Machine-readable facts: `field`, `compact-revision`, `current-mod-revision`, ... */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/**
 * Maps an error from the store to what the client receives. Unexpected errors become INTERNAL with a
 * generic message (details go to the server log), so internals never leak to clients; `expected` is false
 * for those (and for damaged records), which the transport logs as errors.
 */
export function classifyError(err: unknown): { error: ServiceError; expected: boolean } {
  if (err instanceof ServiceError) return { error: err, expected: true };
  if (err instanceof InvalidArgumentError) {
    return { error: new ServiceError('INVALID_ARGUMENT', err.message, { field: err.field }), expected: true };
  }
  if (err instanceof RevisionOutOfRangeError) {
    return {
      error: new ServiceError('OUT_OF_RANGE', err.message, {
        field: err.field,
        'compact-revision': String(err.compactRevision),
      }),
      expected: true,
    };
  }
  if (err instanceof ConditionFailedError) {
    const details: Record<string, string> = err.current
      ? {
          'current-mod-revision': String(err.current.modRevision),
          'current-version': String(err.current.version),
        }
      : { 'current-mod-revision': '0', 'current-version': '0' };
    return { error: new ServiceError('FAILED_PRECONDITION', err.message, details), expected: true };
  }
  if (err instanceof RangeTooLargeError || err instanceof ResponseTooLargeError) {
    return { error: new ServiceError('RESOURCE_EXHAUSTED', err.message), expected: true };
  }
  if (err instanceof QuotaExceededError) {
    const details = {
      namespace: err.namespace,
      limit: err.limit,
      quota: String(err.quota),
      used: String(err.used),
    };
    return { error: new ServiceError('RESOURCE_EXHAUSTED', err.message, details), expected: true };
  }
  if (err instanceof ConflictError)
    return { error: new ServiceError('ABORTED', err.message), expected: true };
  if (err instanceof StoreUnavailableError)
    return { error: new ServiceError('UNAVAILABLE', err.message), expected: true };
  // Never served as data: the client learns which record is damaged; the server logs it as an error.
  if (err instanceof DamagedRecordError)
    return { error: new ServiceError('DATA_LOSS', err.message), expected: false };
  return { error: new ServiceError('INTERNAL', 'internal error (see the server log)'), expected: false };
}
