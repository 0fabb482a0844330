import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { DamagedRecordError } from '../log/event-log.js';
import { ConditionFailedError } from '../store/conditions.js';
import {
  ConflictError,
  InvalidArgumentError,
  RangeTooLargeError,
  RevisionOutOfRangeError,
  StoreUnavailableError,
} from '../store/errors.js';
import { ResponseTooLargeError } from '../store/response-budget.js';

/** An error with a gRPC status code, a message for the user and optional trailing metadata. */
export class RpcError extends Error implements Partial<ServiceError> {
  readonly metadata: Metadata;

  constructor(
    readonly code: status,
    message: string,
    trailers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'RpcError';
    this.metadata = new Metadata();
    for (const [k, v] of Object.entries(trailers)) this.metadata.set(k, v);
  }

  /** The form grpc-js sends: code, details and trailers. */
  toServiceError(): Partial<ServiceError> {
    return { code: this.code, details: this.message, metadata: this.metadata };
  }
}

/**
 * Maps an error from the store to what the client receives. Unexpected errors become INTERNAL with a
 * generic message (details go to the server log), so internals never leak to clients.
 */
export function toRpcError(err: unknown): { error: RpcError; expected: boolean } {
  if (err instanceof RpcError) return { error: err, expected: true };
  if (err instanceof InvalidArgumentError) {
    return {
      error: new RpcError(status.INVALID_ARGUMENT, err.message, { field: err.field }),
      expected: true,
    };
  }
  if (err instanceof RevisionOutOfRangeError) {
    return {
      error: new RpcError(status.OUT_OF_RANGE, err.message, {
        field: err.field,
        'compact-revision': String(err.compactRevision),
      }),
      expected: true,
    };
  }
  if (err instanceof ConditionFailedError) {
    const trailers: Record<string, string> = err.current
      ? {
          'current-mod-revision': String(err.current.modRevision),
          'current-version': String(err.current.version),
        }
      : { 'current-mod-revision': '0', 'current-version': '0' };
    return { error: new RpcError(status.FAILED_PRECONDITION, err.message, trailers), expected: true };
  }
  if (err instanceof RangeTooLargeError || err instanceof ResponseTooLargeError) {
    return { error: new RpcError(status.RESOURCE_EXHAUSTED, err.message), expected: true };
  }
  if (err instanceof ConflictError)
    return { error: new RpcError(status.ABORTED, err.message), expected: true };
  if (err instanceof StoreUnavailableError)
    return { error: new RpcError(status.UNAVAILABLE, err.message), expected: true };
  // Never served as data: the client learns which record is damaged; the server logs it as an error.
  if (err instanceof DamagedRecordError)
    return { error: new RpcError(status.DATA_LOSS, err.message), expected: false };
  return { error: new RpcError(status.INTERNAL, 'internal error (see the server log)'), expected: false };
}
