import { credentials, type Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { AdminClient } from '../api/generated/kvstore/v1/Admin.js';
import type { KVClient } from '../api/generated/kvstore/v1/KV.js';
import { kvstoreV1 } from '../api/proto.js';
import { CliExit, EXIT, exitCodeFor } from './exit-codes.js';

/** Global options every client command shares. */
export interface ClientOptions {
  readonly addr: string;
  readonly timeoutMs: number;
}

/** The gRPC clients of one command run. */
export interface Clients {
  readonly kv: KVClient;
  readonly admin: AdminClient;
  readonly options: ClientOptions;
  /** A deadline for one call, `timeoutMs` from now. */
  deadline(): Date;
  close(): void;
}

/** Connects (lazily) to the server at `options.addr`. */
export function connect(options: ClientOptions): Clients {
  const channelOptions = {
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
    // Fail fast when nothing listens instead of retrying until the deadline.
    'grpc.initial_reconnect_backoff_ms': 200,
  };
  const kv = new kvstoreV1.KV(options.addr, credentials.createInsecure(), channelOptions);
  const admin = new kvstoreV1.Admin(options.addr, credentials.createInsecure(), channelOptions);
  return {
    kv,
    admin,
    options,
    deadline: () => new Date(Date.now() + options.timeoutMs),
    close() {
      kv.close();
      admin.close();
    },
  };
}

/** Calls a unary method and turns a gRPC error into a {@link CliExit} with a one-line message. */
export function call<Res>(
  options: ClientOptions,
  invoke: (callback: (err: ServiceError | null, response?: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke((err, response) => {
      if (err) reject(toCliExit(err, options));
      else resolve(response as Res);
    });
  });
}

/** Describes a gRPC error for a person at a terminal. */
export function toCliExit(err: ServiceError, options: ClientOptions): CliExit {
  switch (err.code) {
    case status.UNAVAILABLE:
      return new CliExit(
        EXIT.UNAVAILABLE,
        `cannot reach kvstore at ${options.addr} (${unavailableReason(err.details)})`,
      );
    case status.DEADLINE_EXCEEDED:
      return new CliExit(
        EXIT.UNAVAILABLE,
        `no answer from kvstore at ${options.addr} within ${options.timeoutMs} ms (--timeout)`,
      );
    default:
      return new CliExit(
        exitCodeFor(err.code),
        `${err.details || status[err.code]}${trailerNote(err.metadata)}`,
      );
  }
}

/** grpc-js reports a refused connection as a paragraph; keep the part a person needs. */
function unavailableReason(details: string | undefined): string {
  if (!details) return 'unavailable';
  const errno = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)\b/.exec(details)?.[1];
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused: is `kvstore serve` running there?',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENOTFOUND: 'host name not found',
    EAI_AGAIN: 'host name lookup failed',
  };
  return errno ? known[errno]! : details;
}

function trailerNote(metadata: Metadata | undefined): string {
  const compact = metadata?.get('compact-revision')[0];
  return compact === undefined ? '' : ` (compact revision ${String(compact)})`;
}
