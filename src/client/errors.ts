import { GRPC_STATUS, statusName } from './wire/status.js';
import type { CallError } from './wire/unary-channel.js';

/** The gRPC status codes, by name (as the server sends them). */
export const Status = GRPC_STATUS;

/** What every failed call of the client throws: the gRPC code, the server's message and its trailers. */
export class KvError extends Error {
  /** The gRPC status code (see {@link Status}). */
  readonly code: number;
  /** The code's name, e.g. "INVALID_ARGUMENT". */
  readonly codeName: string;
  /** The request field the server named (trailer `field`), when it named one. */
  readonly field: string | undefined;
  /** The endpoint (HOST:PORT) that answered, or that could not be reached. */
  readonly endpoint: string;
  /** Every trailer the server sent with the status. */
  readonly trailers: Readonly<Record<string, string>>;
  /** True when the server sent this status; false when no answer came (connection refused or lost, deadline). */
  answered = true;
  /** The status message as the server (or the connection failure) gave it, without the client's words around it. */
  details: string;

  constructor(
    code: number,
    message: string,
    endpoint: string,
    trailers: Readonly<Record<string, string>> = {},
  ) {
    super(message || statusName(code));
    this.name = new.target.name;
    this.code = code;
    this.codeName = statusName(code);
    this.endpoint = endpoint;
    this.trailers = trailers;
    this.field = trailers.field;
    this.details = message;
  }
}

/** INVALID_ARGUMENT: a bad key, value, TTL, range, pattern or page token; `field` names it. */
export class InvalidArgumentError extends KvError {}

/** FAILED_PRECONDITION: the condition of a conditional write did not hold; nothing was written. */
export class ConditionFailedError extends KvError {
  /** The key's mod_revision when the condition was checked (0 = the key was absent). */
  readonly currentModRevision: number;
  /** The key's version when the condition was checked (0 = the key was absent). */
  readonly currentVersion: number;

  constructor(
    code: number,
    message: string,
    endpoint: string,
    trailers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message, endpoint, trailers);
    this.currentModRevision = Number(trailers['current-mod-revision'] ?? 0);
    this.currentVersion = Number(trailers['current-version'] ?? 0);
  }
}

/** OUT_OF_RANGE: a revision (a watch's resume point, a backup's start) older than the compaction. */
export class CompactedError extends KvError {
  /** The oldest revision still kept: start again from here (after reading the state anew). */
  readonly compactRevision: number;

  constructor(
    code: number,
    message: string,
    endpoint: string,
    trailers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message, endpoint, trailers);
    this.compactRevision = Number(trailers['compact-revision'] ?? 0);
  }
}

/** RESOURCE_EXHAUSTED: a message or response over a limit, a quota or a rate limit. */
export class ResourceExhaustedError extends KvError {}

/**
 * UNAVAILABLE: no endpoint could be reached, or the server said it cannot serve (shutting down, log
 * unreachable). Also what a call ends with when its retries ran out.
 */
export class UnavailableError extends KvError {
  /**
   * True when a write may have been applied although no answer came (the request reached a server that
   * went away before answering). Read the key to learn the outcome; the client never resends such a write.
   */
  readonly outcomeUnknown: boolean;

  constructor(
    code: number,
    message: string,
    endpoint: string,
    trailers: Readonly<Record<string, string>> = {},
    outcomeUnknown = false,
  ) {
    super(code, message, endpoint, trailers);
    this.outcomeUnknown = outcomeUnknown;
  }
}

/** DEADLINE_EXCEEDED: no answer within the call's timeout (`timeoutMs`); a write's outcome is unknown. */
export class DeadlineExceededError extends KvError {}

/** UNAUTHENTICATED or PERMISSION_DENIED. */
export class AuthError extends KvError {}

/** ABORTED: the server gave up on a conflicting operation (e.g. a compaction while a backup reads). */
export class AbortedError extends KvError {}

/** CANCELLED: the caller cancelled the call (an AbortSignal, or close()). */
export class CancelledError extends KvError {}

type ErrorClass = new (
  code: number,
  message: string,
  endpoint: string,
  trailers: Readonly<Record<string, string>>,
) => KvError;

const CLASSES: Readonly<Record<number, ErrorClass>> = {
  [GRPC_STATUS.INVALID_ARGUMENT]: InvalidArgumentError,
  [GRPC_STATUS.FAILED_PRECONDITION]: ConditionFailedError,
  [GRPC_STATUS.OUT_OF_RANGE]: CompactedError,
  [GRPC_STATUS.RESOURCE_EXHAUSTED]: ResourceExhaustedError,
  [GRPC_STATUS.UNAVAILABLE]: UnavailableError,
  [GRPC_STATUS.DEADLINE_EXCEEDED]: DeadlineExceededError,
  [GRPC_STATUS.UNAUTHENTICATED]: AuthError,
  [GRPC_STATUS.PERMISSION_DENIED]: AuthError,
  [GRPC_STATUS.ABORTED]: AbortedError,
  [GRPC_STATUS.CANCELLED]: CancelledError,
};

/** The typed error for a failed call; `write` says whether the call was a write (for outcomeUnknown). */
export function toKvError(err: CallError, endpoint: string, write: boolean): KvError {
  let error: KvError;
  if (err.code === GRPC_STATUS.UNAVAILABLE) {
    const message = err.answered ? err.details : `cannot reach kvstore at ${endpoint}: ${err.details}`;
    error = new UnavailableError(err.code, message, endpoint, err.trailers, write && err.sent);
  } else {
    const Class = CLASSES[err.code] ?? KvError;
    error = new Class(err.code, err.details, endpoint, err.trailers);
  }
  error.answered = err.answered;
  error.details = err.details;
  return error;
}
