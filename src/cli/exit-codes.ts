import { status } from '@grpc/grpc-js';

/** Exit codes of the kvstore command (documented in `kvstore --help`). */
export const EXIT = {
  OK: 0,
  NOT_FOUND: 1,
  USAGE: 2,
  UNAVAILABLE: 3,
  CONDITION_FAILED: 4,
} as const;

/** Exit code for a gRPC status. */
export function exitCodeFor(code: status): number {
  switch (code) {
    case status.OK:
      return EXIT.OK;
    case status.NOT_FOUND:
      return EXIT.NOT_FOUND;
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return EXIT.USAGE;
    case status.FAILED_PRECONDITION:
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
