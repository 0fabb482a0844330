import { CancelledError, KvError, toKvError, UnavailableError } from './errors.js';
import type { WireMessage } from './wire/codec.js';
import { GRPC_STATUS } from './wire/status.js';
import {
  CallError,
  type StreamHandle,
  type StreamHandlers,
  type TlsOptions,
  UnaryChannel,
} from './wire/unary-channel.js';

/** Credentials a transport presents: an API key (sent as `authorization: Bearer <key>`) and TLS. */
export interface TransportSecurity {
  readonly apiKey?: string | undefined;
  /** Set: every connection is TLS. */
  readonly tls?: TlsOptions | undefined;
}

/** Backoff between attempts: full jitter, a random delay in [0, min(maxMs, initialMs * 2^attempt)]. */
export interface BackoffOptions {
  /** Upper bound of the first delay (default 50 ms). */
  readonly initialMs?: number;
  /** Largest delay (default 2000 ms). */
  readonly maxMs?: number;
}

/** When an idempotent call is tried again (see docs/client.md, "Retries"). */
export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, the first included (default 5; 1 = never retry). */
  readonly maxAttempts?: number;
}

/** How a call may be retried. */
export type Retry =
  /** Reads and other calls with no effect: retried on UNAVAILABLE, on any endpoint. */
  | 'idempotent'
  /** Writes: retried only when the request provably never reached a server (no connection was made). */
  | 'write';

/** The delay before attempt `attempt` (0-based: the delay after the first failure is attempt 0's). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 50;
  const max = options.maxMs ?? 2000;
  return Math.random() * Math.min(max, initial * 2 ** Math.min(attempt, 30));
}

/** Sleeps `ms`, or less when `signal` aborts (then rejects with a CancelledError). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function cancelled(): CancelledError {
  return new CancelledError(GRPC_STATUS.CANCELLED, 'cancelled by the caller', '');
}

/**
 * The endpoints of one client: one HTTP/2 connection per endpoint, opened when first used. Calls go to the
 * current endpoint; a connection failure or an UNAVAILABLE answer moves on to the next one.
 */
export class Transport {
  private readonly channels: UnaryChannel[];
  private current = 0;
  private closed = false;

  constructor(
    readonly endpoints: readonly string[],
    readonly timeoutMs: number,
    readonly retry: RetryOptions,
    security: TransportSecurity = {},
  ) {
    const { apiKey, tls } = security;
    if (endpoints.length === 0) throw new TypeError('connect: at least one endpoint is needed');
    for (const e of endpoints) {
      if (!/^[^\s/]+:\d{1,5}$/.test(e)) throw new TypeError(`connect: endpoint "${e}" is not HOST:PORT`);
    }
    if (apiKey !== undefined && !/^[\x21-\x7e]+$/.test(apiKey))
      throw new TypeError('connect: apiKey must be printable ASCII without spaces');
    const headers: Record<string, string> = apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` };
    this.channels = endpoints.map(
      (e) => new UnaryChannel(e, tls === undefined ? { headers } : { headers, tls }),
    );
  }

  /** The endpoint calls go to now. */
  get endpoint(): string {
    return this.endpoints[this.current]!;
  }

  /** Moves on from `channel` (when it is still the current one) to the next endpoint. */
  failover(channel: UnaryChannel): void {
    if (this.channels[this.current] === channel) this.current = (this.current + 1) % this.channels.length;
  }

  /** The channel of the current endpoint. */
  channel(): UnaryChannel {
    if (this.closed) throw new CancelledError(GRPC_STATUS.CANCELLED, 'the client is closed', this.endpoint);
    return this.channels[this.current]!;
  }

  /** One unary call with the retry policy of `retry` (see {@link Retry}). */
  async unary(
    method: string,
    request: WireMessage,
    retry: Retry,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<WireMessage> {
    const maxAttempts = Math.max(1, this.retry.maxAttempts ?? 5);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted) throw cancelled();
      const channel = this.channel();
      try {
        return await channel.call(method, request, new Date(Date.now() + timeoutMs));
      } catch (err) {
        if (!(err instanceof CallError)) throw err;
        const error = toKvError(err, channel.addr, retry === 'write');
        if (!(error instanceof UnavailableError)) throw error;
        // The endpoint is down or refuses to serve: the next call (or attempt) goes elsewhere.
        this.failover(channel);
        const mayRetry = retry === 'idempotent' || !err.sent;
        if (!mayRetry || attempt + 1 >= maxAttempts || this.closed) throw error;
        await sleep(backoffDelay(attempt, this.retry), options.signal);
      }
    }
  }

  /** Streams open now: close() cancels them (a graceful HTTP/2 close would wait for them forever). */
  private readonly streamEnds = new Set<() => void>();

  /** A server stream on the current endpoint (no retry here: Watch and Backup resume on their own). */
  stream(
    method: string,
    request: WireMessage,
    handlers: StreamHandlers,
  ): { handle: StreamHandle; channel: UnaryChannel } {
    const channel = this.channel();
    // close() ends the stream as a cancellation the caller hears of (a plain cancel() reports nothing).
    const endByClose = () => {
      this.streamEnds.delete(endByClose);
      inner.cancel();
      handlers.onEnd(new CallError(GRPC_STATUS.CANCELLED, 'the client is closed', false));
    };
    const inner = channel.stream(method, request, {
      onMessage: (m) => handlers.onMessage(m),
      onEnd: (e) => {
        this.streamEnds.delete(endByClose);
        handlers.onEnd(e);
      },
      ...(handlers.onOpen ? { onOpen: () => handlers.onOpen?.() } : {}),
    });
    this.streamEnds.add(endByClose);
    const handle: StreamHandle = {
      cancel: () => {
        this.streamEnds.delete(endByClose);
        inner.cancel();
      },
      pause: () => inner.pause(),
      resume: () => inner.resume(),
    };
    return { handle, channel };
  }

  /** Ends every connection: open streams are cancelled, calls in flight end with UNAVAILABLE. */
  close(): void {
    this.closed = true;
    for (const end of [...this.streamEnds]) end();
    for (const c of this.channels) c.close();
  }
}

/** A KvError from a stream's end, naming the endpoint. */
export function streamError(err: CallError, endpoint: string): KvError {
  return toKvError(err, endpoint, false);
}

export { KvError };
