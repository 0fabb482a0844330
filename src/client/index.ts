/**
 * The kvstore TypeScript client: `import { connect } from 'kvstore/client'`. See docs/client.md.
 */

export { connect, KvClient } from './client.js';
export type {
  ConnectOptions,
  ListOptions,
  ListPage,
  ReadOptions,
  ServerStatus,
  SetOptions,
} from './client-options.js';
export {
  AbortedError,
  AuthError,
  CancelledError,
  CompactedError,
  ConditionFailedError,
  DeadlineExceededError,
  InvalidArgumentError,
  KvError,
  ResourceExhaustedError,
  Status,
  UnavailableError,
} from './errors.js';
export { Election, type Leader, observeLeader } from './recipes/election.js';
export { Mutex } from './recipes/mutex.js';
export { Session, SessionLostError, type SessionOptions } from './recipes/session.js';
export { type UpdateOptions, type UpdateResult, update } from './recipes/update.js';
export { watchObservable } from './rx.js';
export type { BatchOptions } from './set-batcher.js';
export type { BackoffOptions, RetryOptions } from './transport.js';
export type { Compare, CompareOp, TxnOp, TxnOpResult, TxnResult } from './txn.js';
export { compare, op, TxnBuilder } from './txn.js';
export type { CallOptions, KeyMeta, KeyValue, Selector, Value, WriteCondition } from './types.js';
export type { WatchEvent, WatchOptions } from './watch.js';
export { Watch } from './watch.js';
export type { TlsOptions } from './wire/unary-channel.js';
