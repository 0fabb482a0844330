import type { StatusResponse__Output } from '../api/generated/kvstore/v1/StatusResponse.js';
import type { BatchOptions } from './set-batcher.js';
import type { RetryOptions } from './transport.js';
import type { CallOptions, KeyValue, WriteCondition } from './types.js';
import type { TlsOptions } from './wire/unary-channel.js';
/** Options of {@link connect}; every one has a default. */
export interface ConnectOptions {
  /** Servers as HOST:PORT, tried in order (default ["127.0.0.1:50051"]); a failure moves to the next. */
  readonly endpoints?: readonly string[];
  /** Give up on one attempt of a call after this long (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Retries of UNAVAILABLE (default 5 attempts, 50 ms doubling to 2000 ms, full jitter). */
  readonly retry?: RetryOptions;
  /**
   * Coalesce concurrent unconditional Sets into SetMany calls (off by default): batched Sets share one
   * revision, each caller gets its own result or error (see {@link SetBatcher} and docs/client.md).
   */
  readonly batch?: BatchOptions;
  /**
   * An API key (`kvstore auth key create`), sent as `authorization: Bearer <key>` with every call; needed
   * when the server has security.apiKeysFile set (docs/security.md).
   */
  readonly apiKey?: string;
  /**
   * Connect over TLS (the server has grpc.tlsCert): `ca` the CA bundle its certificate chains to (PEM
   * contents; default Node's roots), `cert` + `key` a client certificate for mTLS. Absent: plaintext.
   */
  readonly tls?: TlsOptions;
}

/** Options of a Set: a condition, a TTL, a deadline. */
export interface SetOptions extends CallOptions, WriteCondition {
  /** Time to live in milliseconds; absent = never expires. */
  readonly ttlMs?: number;
}

/** Options of a read. */
export interface ReadOptions extends CallOptions {
  /** Answer from the node's own state without asking the log's leader (cluster only; may be stale). */
  readonly serializable?: boolean;
}

/** Options of a list, read page by page. */
export interface ListOptions extends ReadOptions {
  /** Keys per page (default: the server's, 1000). */
  readonly pageSize?: number;
  /** Leave values out (their `value` is then empty). */
  readonly keysOnly?: boolean;
}

/** One page of a list. Pages are read one request each, so each at its own revision. */
export interface ListPage {
  readonly kvs: KeyValue[];
  /** The store's revision when this page was read. */
  readonly revision: number;
  /** True when more keys follow this page. */
  readonly more: boolean;
}

/** The server's status (Admin.Status). */
export interface ServerStatus {
  readonly revision: number;
  readonly version: string;
  readonly compactRevision: number;
  readonly keys: number;
  readonly backend: string;
  readonly uptimeMs: number;
  readonly checkpointRevision: number;
  readonly durability: string;
  readonly logBytes: number;
  /** As the server sends them (snake_case): limits, nats, history_check, cluster. */
  readonly raw: StatusResponse__Output;
}
