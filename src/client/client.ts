import type { BackupChunk__Output } from '../api/generated/kvstore/v1/BackupChunk.js';
import type { CompactResponse__Output } from '../api/generated/kvstore/v1/CompactResponse.js';
import type { DeleteManyResponse__Output } from '../api/generated/kvstore/v1/DeleteManyResponse.js';
import type { DeleteRangeResponse__Output } from '../api/generated/kvstore/v1/DeleteRangeResponse.js';
import type { DeleteResponse__Output } from '../api/generated/kvstore/v1/DeleteResponse.js';
import type { GetManyResponse__Output } from '../api/generated/kvstore/v1/GetManyResponse.js';
import type { GetResponse__Output } from '../api/generated/kvstore/v1/GetResponse.js';
import type { HashKVResponse__Output } from '../api/generated/kvstore/v1/HashKVResponse.js';
import type { ListResponse__Output } from '../api/generated/kvstore/v1/ListResponse.js';
import type { SetManyResponse__Output } from '../api/generated/kvstore/v1/SetManyResponse.js';
import type { SetResponse__Output } from '../api/generated/kvstore/v1/SetResponse.js';
import type { StatusResponse__Output } from '../api/generated/kvstore/v1/StatusResponse.js';
import type { TxnResponse__Output } from '../api/generated/kvstore/v1/TxnResponse.js';
import type {
  ConnectOptions,
  ListOptions,
  ListPage,
  ReadOptions,
  ServerStatus,
  SetOptions,
} from './client-options.js';
import { type KvError, UnavailableError } from './errors.js';
import { SetBatcher } from './set-batcher.js';
import { backoffDelay, cancelled, type Retry, sleep, streamError, Transport } from './transport.js';
import { fromWireTxn, TxnBuilder, type TxnResult } from './txn.js';
import {
  type CallOptions,
  conditionToWire,
  fromWireKv,
  fromWireMeta,
  type KeyMeta,
  type KeyValue,
  type Selector,
  selectorToWire,
  toBuffer,
  type Value,
  type WriteCondition,
} from './types.js';
import { Watch, type WatchOptions } from './watch.js';
import type { WireMessage } from './wire/codec.js';

/** Connects to kvstore (lazily: the first call opens the connection). Close it with {@link KvClient.close}. */
export function connect(options: ConnectOptions = {}): KvClient {
  return new KvClient(options);
}

/**
 * The kvstore client: typed calls over the gRPC API kvstore.v1, several endpoints with failover, retries of
 * idempotent calls, resumable watches. See docs/client.md.
 */
export class KvClient {
  /** @internal */
  readonly transport: Transport;

  private readonly batcher: SetBatcher | null;

  constructor(options: ConnectOptions = {}) {
    this.transport = new Transport(
      options.endpoints ?? ['127.0.0.1:50051'],
      options.timeoutMs ?? 5000,
      options.retry ?? {},
      { apiKey: options.apiKey, tls: options.tls },
    );
    this.batcher = options.batch
      ? new SetBatcher(
          {
            setMany: (items) => this.setMany(items),
            set: (item) =>
              this.setNow(item.key, item.value, item.ttlMs === undefined ? {} : { ttlMs: item.ttlMs }),
          },
          options.batch,
        )
      : null;
  }

  /** The endpoint calls go to now. */
  get endpoint(): string {
    return this.transport.endpoint;
  }

  private call<T>(method: string, request: WireMessage, retry: Retry, options: CallOptions = {}): Promise<T> {
    return this.transport.unary(method, request, retry, options) as Promise<T>;
  }

  /** The key, or null when it does not exist (or has expired). Retried. */
  async get(key: string, options: ReadOptions = {}): Promise<KeyValue | null> {
    const r = await this.call<GetResponse__Output>(
      'KV/Get',
      { key, serializable: options.serializable ?? false },
      'idempotent',
      options,
    );
    return r.found && r.kv ? fromWireKv(r.kv) : null;
  }

  /**
   * Writes a key (optionally expiring, optionally conditional). Not retried once sent. With `batch` on, an
   * unconditional Set without call options goes in a batch with others (one SetMany, one shared revision).
   */
  set(key: string, value: Value, options: SetOptions = {}): Promise<{ revision: number; kv: KeyMeta }> {
    if (this.batcher && isPlainSet(options))
      return this.batcher.set({
        key,
        value,
        ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
      });
    return this.setNow(key, value, options);
  }

  private async setNow(
    key: string,
    value: Value,
    options: SetOptions,
  ): Promise<{ revision: number; kv: KeyMeta }> {
    const r = await this.call<SetResponse__Output>(
      'KV/Set',
      {
        key,
        value: toBuffer(value),
        ...(options.ttlMs === undefined ? {} : { ttl_ms: options.ttlMs }),
        condition: conditionToWire(options),
      },
      'write',
      options,
    );
    return { revision: r.header?.revision ?? 0, kv: fromWireMeta(r.kv!) };
  }

  /** Deletes a key; `deleted` is false when it did not exist. Not retried once sent. */
  async delete(
    key: string,
    options: CallOptions & WriteCondition = {},
  ): Promise<{ revision: number; deleted: boolean }> {
    const r = await this.call<DeleteResponse__Output>(
      'KV/Delete',
      { key, condition: conditionToWire(options) },
      'write',
      options,
    );
    return { revision: r.header?.revision ?? 0, deleted: r.deleted };
  }

  /**
   * The keys of a prefix, a [start, end) range or a glob pattern, in UTF-8 byte order, one page per
   * request: `for await (const page of client.list({ prefix: 'app/' })) ...`. Each page is retried.
   */
  async *list(
    selector: Exclude<Selector, { key: string }>,
    options: ListOptions = {},
  ): AsyncGenerator<ListPage> {
    let pageToken = '';
    for (;;) {
      const r = await this.call<ListResponse__Output>(
        'KV/List',
        {
          ...selectorToWire(selector),
          limit: options.pageSize ?? 0,
          page_token: pageToken,
          keys_only: options.keysOnly ?? false,
          serializable: options.serializable ?? false,
        },
        'idempotent',
        options,
      );
      yield { kvs: r.kvs.map(fromWireKv), revision: r.header?.revision ?? 0, more: r.more };
      if (!r.more || r.next_page_token === '') return;
      pageToken = r.next_page_token;
    }
  }

  /** Every key of a prefix, range or pattern (all pages), as one array. */
  async listAll(
    selector: Exclude<Selector, { key: string }>,
    options: ListOptions = {},
  ): Promise<KeyValue[]> {
    const out: KeyValue[] = [];
    for await (const page of this.list(selector, options)) out.push(...page.kvs);
    return out;
  }

  /** Writes several distinct keys atomically, as one revision. Not retried once sent. */
  async setMany(
    items: readonly { key: string; value: Value; ttlMs?: number }[],
    options: CallOptions = {},
  ): Promise<{ revision: number; kvs: KeyMeta[] }> {
    const r = await this.call<SetManyResponse__Output>(
      'KV/SetMany',
      {
        items: items.map((i) => ({
          key: i.key,
          value: toBuffer(i.value),
          ...(i.ttlMs === undefined ? {} : { ttl_ms: i.ttlMs }),
        })),
      },
      'write',
      options,
    );
    return { revision: r.header?.revision ?? 0, kvs: r.kvs.map(fromWireMeta) };
  }

  /** Reads several keys at one revision; null for each absent key, in request order. Retried. */
  async getMany(
    keys: readonly string[],
    options: ReadOptions = {},
  ): Promise<{ revision: number; kvs: (KeyValue | null)[] }> {
    const r = await this.call<GetManyResponse__Output>(
      'KV/GetMany',
      { keys, serializable: options.serializable ?? false },
      'idempotent',
      options,
    );
    return {
      revision: r.header?.revision ?? 0,
      kvs: r.results.map((g) => (g.found && g.kv ? fromWireKv(g.kv) : null)),
    };
  }

  /** Deletes those of several keys that exist, as one revision. Not retried once sent. */
  async deleteMany(
    keys: readonly string[],
    options: CallOptions = {},
  ): Promise<{ revision: number; deleted: string[] }> {
    const r = await this.call<DeleteManyResponse__Output>('KV/DeleteMany', { keys }, 'write', options);
    return { revision: r.header?.revision ?? 0, deleted: r.deleted };
  }

  /** Deletes every key of a prefix, range or pattern as one revision. Not retried once sent. */
  async deleteRange(
    selector: Exclude<Selector, { key: string }>,
    options: CallOptions & { prevKv?: boolean } = {},
  ): Promise<{ revision: number; deleted: number; prevKvs: KeyValue[] }> {
    const r = await this.call<DeleteRangeResponse__Output>(
      'KV/DeleteRange',
      { ...selectorToWire(selector), prev_kv: options.prevKv ?? false },
      'write',
      options,
    );
    return { revision: r.header?.revision ?? 0, deleted: r.deleted, prevKvs: r.prev_kvs.map(fromWireKv) };
  }

  /**
   * A transaction: `client.txn().if(compare.version('k', '=', 3)).onSuccess(op.set('k', 'v')).onFailure(op.get('k')).commit()`.
   * Retried only when every operation of both branches is a read.
   */
  txn(options: CallOptions = {}): TxnBuilder {
    return new TxnBuilder(async (request) => {
      const ops = [...(request.success as WireMessage[]), ...(request.failure as WireMessage[])];
      const readOnly = ops.every((o) => 'get' in o || 'range' in o);
      const r = await this.call<TxnResponse__Output>(
        'KV/Txn',
        request,
        readOnly ? 'idempotent' : 'write',
        options,
      );
      return fromWireTxn(r);
    });
  }

  /** The server's status. Retried. */
  async status(options: CallOptions = {}): Promise<ServerStatus> {
    const r = await this.call<StatusResponse__Output>('Admin/Status', {}, 'idempotent', options);
    return {
      revision: r.header?.revision ?? 0,
      version: r.version,
      compactRevision: r.compact_revision,
      keys: r.keys,
      backend: r.backend,
      uptimeMs: r.uptime_ms,
      checkpointRevision: r.checkpoint_revision,
      durability: r.durability,
      logBytes: r.log_bytes,
      raw: r,
    };
  }

  /** Drops the log history before `revision` (the state is kept). Not retried once sent. */
  async compact(
    revision: number,
    options: CallOptions = {},
  ): Promise<{ compactRevision: number; removed: number }> {
    const r = await this.call<CompactResponse__Output>('Admin/Compact', { revision }, 'write', options);
    return { compactRevision: r.compact_revision, removed: r.removed };
  }

  /** A SHA-256 of the key state at a revision (0 = now). Retried. */
  async hashKV(
    revision = 0,
    options: CallOptions = {},
  ): Promise<{ hash: string; revision: number; keys: number; compactRevision: number }> {
    const r = await this.call<HashKVResponse__Output>('Admin/HashKV', { revision }, 'idempotent', options);
    return { hash: r.hash, revision: r.hash_revision, keys: r.keys, compactRevision: r.compact_revision };
  }

  /**
   * A backup file's bytes, chunk by chunk (format in docs/backup.md): full, or incremental from
   * `fromRevision`. Concatenate the chunks in order. Retried on UNAVAILABLE until the first chunk has
   * arrived; a break after that ends with the error (start the backup again).
   */
  async *backup(
    options: CallOptions & { fromRevision?: number; onProgress?: (done: number, total: number) => void } = {},
  ): AsyncGenerator<Buffer> {
    const maxAttempts = Math.max(1, this.transport.retry.maxAttempts ?? 5);
    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted) throw cancelled();
      const chunks: Buffer[] = [];
      let ended: { error: KvError | undefined } | undefined;
      let wake: (() => void) | undefined;
      const opened = this.transport.stream(
        'Admin/Backup',
        { from_revision: options.fromRevision ?? 0 },
        {
          onMessage: (m) => {
            const chunk = m as unknown as BackupChunk__Output;
            options.onProgress?.(chunk.items_done, chunk.items_total);
            chunks.push(chunk.data);
            wake?.();
          },
          onEnd: (error) => {
            ended = { error: error ? streamError(error, opened.channel.addr) : undefined };
            wake?.();
          },
        },
      );
      const onAbort = () => opened.handle.cancel();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      let delivered = false;
      try {
        for (;;) {
          const chunk = chunks.shift();
          if (chunk) {
            delivered = true;
            yield chunk;
            continue;
          }
          if (ended) break;
          if (options.signal?.aborted) throw cancelled();
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
        if (!ended) opened.handle.cancel();
      }
      const error = (ended as { error: KvError | undefined }).error;
      if (!error) return;
      if (!(error instanceof UnavailableError) || delivered || attempt + 1 >= maxAttempts) throw error;
      this.transport.failover(opened.channel);
      await sleep(backoffDelay(attempt, this.transport.retry), options.signal);
    }
  }

  /**
   * Follows the changes of a key, prefix, range or pattern: an AsyncIterable of events in revision order,
   * each exactly once, that reconnects (with backoff, to the next endpoint when one fails) and resumes
   * after the last revision it received. See {@link Watch}.
   */
  watch(selector: Selector, options: WatchOptions = {}): Watch {
    return new Watch(
      this.transport,
      selector,
      options,
      async (signal) => (await this.status({ signal })).revision,
    );
  }

  /** Closes the connections; calls in flight end with UNAVAILABLE, watches end. */
  close(): void {
    this.transport.close();
  }
}

export type { TxnResult };

/** A Set the batcher may take: no condition and no per-call timeout or signal. */
function isPlainSet(o: SetOptions): boolean {
  return (
    o.ifAbsent === undefined &&
    o.ifVersion === undefined &&
    o.ifModRevision === undefined &&
    o.ifValue === undefined &&
    o.timeoutMs === undefined &&
    o.signal === undefined
  );
}
