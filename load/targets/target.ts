/** Called once per operation, asynchronously; `found` tells a Get that found its key from a miss. */
export type OpCallback = (err: Error | null, found: boolean) => void;

/** An open watch (one stream or one watch on a shared stream). */
export interface WatchHandle {
  /** Stops watching. */
  cancel(): void;
}

/** What a watcher receives: the values of the events of one response. */
export type WatchListener = (values: readonly Buffer[]) => void;

/**
 * A server the load client can drive: `conns` independent connections (gRPC channels, each its own HTTP/2
 * socket), requests spread over them by index. Keys are encoded once (`encodeKey`) so that the request
 * loop allocates nothing of its own.
 */
export interface LoadTarget<Key = unknown> {
  readonly name: string;
  encodeKey(key: string): Key;
  set(conn: number, key: Key, value: Buffer, done: OpCallback): void;
  get(conn: number, key: Key, done: OpCallback): void;
  /** Watches every key under `prefix` from now on; optional (a target without it cannot run `watch`). */
  watch?(conn: number, prefix: string, onValues: WatchListener, onError: (err: Error) => void): WatchHandle;
  /** Server version and settings, for the record. */
  info(): Promise<Record<string, unknown>>;
  close(): void;
}

/** How to reach a target. */
export interface TargetOptions {
  /** HOST:PORT, or a comma-separated list: connection i goes to entry i % length (round-robin). */
  readonly addr: string;
  readonly conns: number;
  /** etcd: serializable (local) reads instead of linearizable ones. */
  readonly serializable?: boolean;
}
