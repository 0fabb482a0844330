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
import type { ListRequest } from '../api/generated/kvstore/v1/ListRequest.js';
import type { ListResponse__Output } from '../api/generated/kvstore/v1/ListResponse.js';
import type { SetRequest } from '../api/generated/kvstore/v1/SetRequest.js';
import type { SetResponse__Output } from '../api/generated/kvstore/v1/SetResponse.js';
import type { StatusRequest } from '../api/generated/kvstore/v1/StatusRequest.js';
import type { StatusResponse__Output } from '../api/generated/kvstore/v1/StatusResponse.js';
import type { TxnRequest } from '../api/generated/kvstore/v1/TxnRequest.js';
import type { TxnResponse__Output } from '../api/generated/kvstore/v1/TxnResponse.js';
import type { KvClient } from '../client/client.js';
import { KvError } from '../client/errors.js';
import { type Retry, Transport } from '../client/transport.js';
import { GRPC_STATUS, statusName } from '../client/wire/status.js';
import type { TlsOptions } from '../client/wire/unary-channel.js';
import { CliExit, EXIT, exitCodeFor } from './exit-codes.js';

/** Global options every client command shares. */
export interface ClientOptions {
  readonly addr: string;
  readonly timeoutMs: number;
  /** Sent as `authorization: Bearer <key>` (--api-key, KVSTORE_API_KEY). */
  readonly apiKey?: string;
  /** TLS (--cacert, --cert, --key): PEM contents, read when the options are parsed. */
  readonly tls?: TlsOptions;
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

/** Reads (retried by the client on UNAVAILABLE); every other method is a write (sent again only if never sent). */
const IDEMPOTENT: ReadonlySet<string> = new Set(['KV/Get', 'KV/List', 'Admin/Status', 'Admin/HashKV']);

/** The connections of one command run. */
export interface Clients {
  readonly options: ClientOptions;
  /**
   * The TypeScript client (src/client/) for streams (watch, backup), loaded on first use: `kvstore get`
   * loads only the client's transport (CLI start-up, docs/benchmarks.md).
   */
  client(): Promise<KvClient>;
  /** One unary call within `--timeout`; a failure becomes a {@link CliExit} with a one-line message. */
  unary<M extends keyof UnaryMethods>(method: M, request: UnaryMethods[M][0]): Promise<UnaryMethods[M][1]>;
  close(): void;
}

/** Connects (lazily) to the server at `options.addr`, through the TypeScript client. */
export function connect(options: ClientOptions): Clients {
  const endpoints = options.addr.split(',');
  const transport = new Transport(
    endpoints,
    options.timeoutMs,
    {},
    { apiKey: options.apiKey, tls: options.tls },
  );
  let client: KvClient | undefined;
  return {
    options,
    async client() {
      const { KvClient } = await import('../client/client.js');
      client ??= new KvClient({
        endpoints,
        timeoutMs: options.timeoutMs,
        apiKey: options.apiKey,
        ...(options.tls === undefined ? {} : { tls: options.tls }),
      });
      return client;
    },
    async unary(method, request) {
      const retry: Retry = IDEMPOTENT.has(method) ? 'idempotent' : 'write';
      try {
        return (await transport.unary(method, request as Record<string, unknown>, retry)) as never;
      } catch (err) {
        throw toCliExit(err, options);
      }
    },
    close() {
      transport.close();
      client?.close();
    },
  };
}

/** Describes a failed call of the client for a person at a terminal (other errors pass through). */
export function toCliExit(err: unknown, options: ClientOptions): unknown {
  if (!(err instanceof KvError)) return err;
  if (!err.answered) {
    if (err.code === GRPC_STATUS.DEADLINE_EXCEEDED) return noAnswerInTime(options);
    return new CliExit(
      EXIT.UNAVAILABLE,
      `cannot reach kvstore at ${options.addr} (${unreachableReason(err.details)})`,
    );
  }
  return answered(err.code, err.details, err.trailers['compact-revision'], options);
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
