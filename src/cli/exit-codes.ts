import { GRPC_STATUS } from '../client/wire/status.js';

/** Exit codes of the kvstore command (documented in `kvstore --help`). */
export const EXIT = {
  OK: 0,
  NOT_FOUND: 1,
  USAGE: 2,
  UNAVAILABLE: 3,
  CONDITION_FAILED: 4,
  /** `kvstore check` / `kvstore doctor` found problems (each is printed). */
  PROBLEMS_FOUND: 5,
  /** `serve` could not start (address in use, data directory unusable): the same code as UNAVAILABLE. */
  CANNOT_START: 3,
} as const;

/** Exit code for a gRPC status. */
export function exitCodeFor(code: number): number {
  switch (code) {
    case GRPC_STATUS.OK:
      return EXIT.OK;
    case GRPC_STATUS.NOT_FOUND:
      return EXIT.NOT_FOUND;
    case GRPC_STATUS.INVALID_ARGUMENT:
    case GRPC_STATUS.OUT_OF_RANGE:
      return EXIT.USAGE;
    case GRPC_STATUS.FAILED_PRECONDITION:
      return EXIT.CONDITION_FAILED;
    default:
      return EXIT.UNAVAILABLE;
  }
}

/** Ends the command with an exit code and a one-line message on stderr. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliExit';
  }
}

/** A usage error: bad flag, missing argument, value over a limit (exit 2). */
export function usage(message: string, command?: string): CliExit {
  return new CliExit(EXIT.USAGE, command ? `${message} (see kvstore ${command} --help)` : message);
}
