import { Metadata, type ServerInterceptingCallInterface, type ServiceError, status } from '@grpc/grpc-js';
import { classifyError, type ErrorCode } from '../../service/errors.js';

/** An error with a gRPC status code, a message for the user and optional trailing metadata. */
export class RpcError extends Error implements Partial<ServiceError> {
  readonly metadata: Metadata;

  constructor(
    readonly code: status,
    message: string,
    trailers: Readonly<Record<string, string>> = {},
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

/** The gRPC status of each of the service's codes (they are gRPC's names). */
export const GRPC_STATUS: Readonly<Record<ErrorCode, status>> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  OUT_OF_RANGE: status.OUT_OF_RANGE,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  ABORTED: status.ABORTED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAVAILABLE: status.UNAVAILABLE,
  DATA_LOSS: status.DATA_LOSS,
  CANCELLED: status.CANCELLED,
  INTERNAL: status.INTERNAL,
};

/**
 * Maps an error to what the gRPC client receives: the service's classification (see classifyError), its
 * details as trailers.
 */
export function toRpcError(err: unknown): { error: RpcError; expected: boolean } {
  if (err instanceof RpcError) return { error: err, expected: true };
  const { error, expected } = classifyError(err);
  return { error: new RpcError(GRPC_STATUS[error.code], error.message, error.details), expected };
}

/**
 * Answers a call from an interceptor, before its handler runs, with the status of `err` (its trailers
 * included, e.g. `retry-after-ms`), and tells `onRefused` (metrics, the audit log).
 */
export function refuseCall(
  call: ServerInterceptingCallInterface,
  path: string,
  err: unknown,
  onRefused: (path: string, details: string) => void,
): void {
  const rpc = toRpcError(err).error;
  onRefused(path, rpc.message);
  call.sendStatus({ code: rpc.code, details: rpc.message, metadata: rpc.metadata });
}
