import type { ServiceError } from '@grpc/grpc-js';
import type { AdminClient } from '../api/generated/kvstore/v1/Admin.js';
import type { CompactRequest } from '../api/generated/kvstore/v1/CompactRequest.js';
import type { CompactResponse__Output } from '../api/generated/kvstore/v1/CompactResponse.js';
import type { DeleteRangeRequest } from '../api/generated/kvstore/v1/DeleteRangeRequest.js';
import type { DeleteRangeResponse__Output } from '../api/generated/kvstore/v1/DeleteRangeResponse.js';
import type { DeleteRequest } from '../api/generated/kvstore/v1/DeleteRequest.js';
import type { DeleteResponse__Output } from '../api/generated/kvstore/v1/DeleteResponse.js';
import type { GetRequest } from '../api/generated/kvstore/v1/GetRequest.js';
import type { GetResponse__Output } from '../api/generated/kvstore/v1/GetResponse.js';
import type { HashKVRequest } from '../api/generated/kvstore/v1/HashKVRequest.js';
import type { HashKVResponse__Output } from '../api/generated/kvstore/v1/HashKVResponse.js';
import type { KVClient } from '../api/generated/kvstore/v1/KV.js';
import type { ListRequest } from '../api/generated/kvstore/v1/ListRequest.js';
import type { ListResponse__Output } from '../api/generated/kvstore/v1/ListResponse.js';
import type { SetRequest } from '../api/generated/kvstore/v1/SetRequest.js';
import type { SetResponse__Output } from '../api/generated/kvstore/v1/SetResponse.js';
import type { StatusRequest } from '../api/generated/kvstore/v1/StatusRequest.js';
import type { StatusResponse__Output } from '../api/generated/kvstore/v1/StatusResponse.js';
import type { TxnRequest } from '../api/generated/kvstore/v1/TxnRequest.js';
import type { TxnResponse__Output } from '../api/generated/kvstore/v1/TxnResponse.js';
import { CliExit, EXIT, exitCodeFor } from './exit-codes.js';
import { GRPC_STATUS, statusName } from '../client/wire/status.js';
import { CallError, UnaryChannel } from '../client/wire/unary-channel.js';

/** Global options every client command shares. */
export interface ClientOptions {
  readonly addr: string;
  readonly timeoutMs: number;
}

/** The unary methods the CLI calls: request and response types by `SERVICE/METHOD`. */
export interface UnaryMethods {
  'KV/Get': [GetRequest, GetResponse__Output];
  'KV/Set': [SetRequest, SetResponse__Output];
  'KV/Delete': [DeleteRequest, DeleteResponse__Output];
  'KV/DeleteRange': [DeleteRangeRequest, DeleteRangeResponse__Output];
  'KV/List': [ListRequest, ListResponse__Output];
  'KV/Txn': [TxnRequest, TxnResponse__Output];
  'Admin/Status': [StatusRequest, StatusResponse__Output];
  'Admin/Compact': [CompactRequest, CompactResponse__Output];
  'Admin/HashKV': [HashKVRequest, HashKVResponse__Output];
}

/** The grpc-js stubs, for the streaming calls. */
export interface StreamClients {
  readonly kv: KVClient;
  readonly admin: AdminClient;
}

/** The connections of one command run. */
export interface Clients {
  readonly options: ClientOptions;
  /** One unary call within `--timeout`; a failure becomes a {@link CliExit} with a one-line message. */
  unary<M extends keyof UnaryMethods>(method: M, request: UnaryMethods[M][0]): Promise<UnaryMethods[M][1]>;
  /** The grpc-js clients for Watch and Backup; @grpc/grpc-js is loaded on the first use only. */
  streams(): Promise<StreamClients>;
  close(): void;
}

/** Connects (lazily) to the server at `options.addr`. */
export function connect(options: ClientOptions): Clients {
  const channel = new UnaryChannel(options.addr);
  let streaming: StreamClients | undefined;
  return {
    options,
    async unary(method, request) {
      try {
        const deadline = new Date(Date.now() + options.timeoutMs);
        return (await channel.call(method, request as Record<string, unknown>, deadline)) as never;
      } catch (err) {
        if (err instanceof CallError) throw callErrorToCliExit(err, options);
        throw err;
      }
    },
    async streams() {
      if (!streaming) {
        const [{ credentials }, { kvstoreV1 }] = await Promise.all([
          import('@grpc/grpc-js'),
          import('../api/proto.js'),
        ]);
        const channelOptions = {
          'grpc.max_receive_message_length': -1,
          'grpc.max_send_message_length': -1,
          // Fail fast when nothing listens instead of retrying until the deadline.
          'grpc.initial_reconnect_backoff_ms': 200,
        };
        streaming = {
          kv: new kvstoreV1.KV(options.addr, credentials.createInsecure(), channelOptions),
          admin: new kvstoreV1.Admin(options.addr, credentials.createInsecure(), channelOptions),
        };
      }
      return streaming;
    },
    close() {
      channel.close();
      streaming?.kv.close();
      streaming?.admin.close();
    },
  };
}

/** Describes a failed unary call for a person at a terminal. */
function callErrorToCliExit(err: CallError, options: ClientOptions): CliExit {
  if (!err.answered) {
    if (err.code === GRPC_STATUS.DEADLINE_EXCEEDED) return noAnswerInTime(options);
    return new CliExit(
      EXIT.UNAVAILABLE,
      `cannot reach kvstore at ${options.addr} (${unreachableReason(err.details)})`,
    );
  }
  return answered(err.code, err.details, err.trailers['compact-revision'], options);
}

/** Describes a failed grpc-js (streaming) call for a person at a terminal. */
export function toCliExit(err: ServiceError, options: ClientOptions): CliExit {
  if (err.code === GRPC_STATUS.DEADLINE_EXCEEDED) return noAnswerInTime(options);
  if (err.code === GRPC_STATUS.UNAVAILABLE && isLocalFailure(err.details)) {
    return new CliExit(
      EXIT.UNAVAILABLE,
      `cannot reach kvstore at ${options.addr} (${unreachableReason(err.details)})`,
    );
  }
  const compact = err.metadata?.get('compact-revision')[0];
  return answered(err.code, err.details, compact === undefined ? undefined : String(compact), options);
}

function noAnswerInTime(options: ClientOptions): CliExit {
  return new CliExit(
    EXIT.UNAVAILABLE,
    `no answer from kvstore at ${options.addr} within ${options.timeoutMs} ms (--timeout)`,
  );
}

/** A status the server sent: its own message, and for UNAVAILABLE that it was the server saying so. */
function answered(
  code: number,
  details: string,
  compactRevision: string | undefined,
  options: ClientOptions,
) {
  const message = details || statusName(code);
  if (code === GRPC_STATUS.UNAVAILABLE) {
    return new CliExit(EXIT.UNAVAILABLE, `kvstore at ${options.addr} answered UNAVAILABLE: ${message}`);
  }
  const note = compactRevision === undefined ? '' : ` (compact revision ${compactRevision})`;
  return new CliExit(exitCodeFor(code), `${message}${note}`);
}

/** grpc-js describes its own connection failures with these phrases; anything else came from the server. */
function isLocalFailure(details: string | undefined): boolean {
  return (
    !details ||
    /No connection established|Connection dropped|Failed to connect|Name resolution failed|DNS resolution failed|\bE(CONNREFUSED|CONNRESET|TIMEDOUT|HOSTUNREACH|NOTFOUND|AI_AGAIN)\b/.test(
      details,
    )
  );
}

/** A connection failure is reported as a paragraph; keep the part a person needs. */
function unreachableReason(details: string | undefined): string {
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
