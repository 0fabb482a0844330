import type { WatchResponse__Output } from '../api/generated/kvstore/v1/WatchResponse.js';
import { CancelledError, CompactedError, type KvError, UnavailableError } from './errors.js';
import {
  type BackoffOptions,
  backoffDelay,
  cancelled,
  sleep,
  streamError,
  type Transport,
} from './transport.js';
import { fromWireKv, type KeyValue, type Selector, selectorToWire } from './types.js';
import type { WireMessage } from './wire/codec.js';
import type { CallError, StreamHandle } from './wire/unary-channel.js';

/** One change, as a watch delivers it. */
export interface WatchEvent {
  readonly type: 'put' | 'delete' | 'expire';
  readonly key: string;
  /** The revision of the change (several events can share one: a batch or a transaction). */
  readonly revision: number;
  /** The key after the change (for delete and expire: only key and modRevision are meaningful). */
  readonly kv: KeyValue;
  /** The key before the change, when `prevKv` was asked for and the key existed. */
  readonly prevKv: KeyValue | null;
}

export interface WatchOptions {
  /** First revision to deliver (inclusive). Default: the changes after the moment watch() is called. */
  readonly startRevision?: number;
  /** Include each changed key's previous value. */
  readonly prevKv?: boolean;
  readonly noPut?: boolean;
  readonly noDelete?: boolean;
  /**
   * The server sends a progress message after this long without events (default 2000 ms); a stream that
   * stays silent for three of these is taken as broken and resumed elsewhere.
   */
  readonly progressIntervalMs?: number;
  /** Backoff between reconnection attempts (default 50 ms doubling up to 2000 ms, with full jitter). */
  readonly backoff?: BackoffOptions;
  /** Ends the watch (the iterator returns; the observable completes). */
  readonly signal?: AbortSignal;
  /** Called on each reconnection, with why the stream broke and where it resumes. */
  readonly onReconnect?: (info: { error: KvError; endpoint: string; resumeRevision: number }) => void;
  /** Called when a stream opened after a reconnection (the server accepted the resumed watch). */
  readonly onResumed?: (info: { endpoint: string; resumeRevision: number }) => void;
  /** Called for each progress message: every change up to `revision` has been delivered. */
  readonly onProgress?: (revision: number) => void;
  /**
   * Retry the first connection too (default true). False: when the watch cannot be opened at all (pinning
   * "now" fails, or the first stream fails on every endpoint before a server accepts it), it ends with that
   * error, as a command line tool wants for a wrong address; breaks after that are still ridden out.
   */
  readonly retryFirstConnect?: boolean;
}

/** Events held before reading from the server pauses (HTTP/2 flow control then holds the server back). */
const HIGH_WATER = 4096;

/**
 * A watch: an AsyncIterable of events, strictly in revision order, each exactly once, across reconnections
 * (a broken stream, a server restart, a failover to another endpoint): it resumes from the revision after
 * the last one it received. Ends with a {@link CompactedError} when the resume point was compacted, or
 * with the server's error for a bad request; ends quietly when `signal` aborts or {@link Watch.close} is
 * called.
 */
export class Watch implements AsyncIterable<WatchEvent> {
  private readonly queue: WatchEvent[] = [];
  private waiter: (() => void) | undefined;
  private failure: KvError | undefined;
  private done = false;
  private handle: StreamHandle | undefined;
  private paused = false;
  private readonly abort = new AbortController();
  /** The next revision to ask for when the stream is opened again; 0 until known. */
  private nextRevision: number;
  /** The newest revision received (events or progress). */
  private received = 0;
  private iterated = false;

  constructor(
    private readonly transport: Transport,
    private readonly selector: Selector,
    private readonly options: WatchOptions,
    /** The store's current revision (asks the server), for a watch "from now". */
    private readonly currentRevision: (signal: AbortSignal) => Promise<number>,
  ) {
    this.nextRevision = options.startRevision ?? 0;
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
    void this.run();
  }

  /** The newest revision delivered so far (events or progress), 0 before any. */
  get revision(): number {
    return this.received;
  }

  /** Ends the watch. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.abort.abort();
    this.handle?.cancel();
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private fail(error: KvError): void {
    if (this.done) return;
    this.failure = error;
    this.close();
  }

  /** Opens streams until the watch ends, resuming after each break. */
  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let attempt = 0;
    const retryFirst = this.options.retryFirstConnect ?? true;
    try {
      if (this.nextRevision === 0) {
        // "From now" must survive a reconnect: pin now to a revision first.
        const now = () => this.currentRevision(signal);
        this.nextRevision = (await (retryFirst ? this.withRetry(now) : now())) + 1;
      }
      let opened = false;
      let firstFailures = 0;
      let reconnecting = false;
      while (!this.done) {
        const { error, progressed, accepted } = await this.openOnce(() => {
          if (reconnecting) {
            this.options.onResumed?.({
              endpoint: this.transport.endpoint,
              resumeRevision: this.nextRevision,
            });
          }
        });
        if (this.done) return;
        opened ||= accepted;
        // The client was closed: the watch ends quietly, as on close().
        if (error instanceof CancelledError) return this.close();
        if (error && !(error instanceof UnavailableError)) return this.fail(error);
        // Not retrying the first connection: each endpoint gets one try before the watch gives up.
        if (error && !opened && !retryFirst && ++firstFailures >= this.transport.endpoints.length) {
          return this.fail(error);
        }
        reconnecting = true;
        if (progressed) attempt = 0;
        const broke =
          error ?? new UnavailableError(14, 'the server ended the watch', this.transport.endpoint);
        this.options.onReconnect?.({
          error: broke,
          endpoint: this.transport.endpoint,
          resumeRevision: this.nextRevision,
        });
        await sleep(backoffDelay(attempt++, this.options.backoff), signal);
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof CancelledError) return this.close();
      this.fail(err as KvError);
    }
  }

  private async withRetry<T>(f: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await f();
      } catch (err) {
        if (!(err instanceof UnavailableError) || this.done) throw err;
        await sleep(backoffDelay(attempt, this.options.backoff), this.abort.signal);
      }
    }
  }

  /** One stream: resolves when it ends, with why (undefined: ended without an error). */
  private openOnce(
    onOpen: () => void,
  ): Promise<{ error: KvError | undefined; progressed: boolean; accepted: boolean }> {
    const intervalMs = this.options.progressIntervalMs ?? 2000;
    const request = {
      ...selectorToWire(this.selector),
      start_revision: this.nextRevision,
      prev_kv: this.options.prevKv ?? false,
      no_put: this.options.noPut ?? false,
      no_delete: this.options.noDelete ?? false,
      progress_interval_ms: intervalMs,
    };
    return new Promise((resolve) => {
      let progressed = false;
      let accepted = false;
      let lastHeard = Date.now();
      let endpoint = this.transport.endpoint;
      const watchdog = setInterval(() => {
        if (Date.now() - lastHeard < 3 * intervalMs) return;
        // Silent for too long (a hung server, a dead network path): give up on this endpoint.
        clearInterval(watchdog);
        this.handle?.cancel();
        this.transport.failover(opened.channel);
        resolve({
          error: new UnavailableError(14, `no message from ${endpoint} in ${3 * intervalMs} ms`, endpoint),
          progressed,
          accepted,
        });
      }, intervalMs);
      watchdog.unref();
      const opened = this.transport.stream('KV/Watch', request, {
        onMessage: (message: WireMessage) => {
          lastHeard = Date.now();
          progressed = true;
          this.deliver(message as unknown as WatchResponse__Output);
        },
        onOpen: () => {
          accepted = true;
          onOpen();
        },
        onEnd: (error: CallError | undefined) => {
          clearInterval(watchdog);
          if (!error) return resolve({ error: undefined, progressed, accepted });
          const kvError = streamError(error, endpoint);
          if (kvError instanceof UnavailableError) this.transport.failover(opened.channel);
          resolve({ error: kvError, progressed, accepted });
        },
      });
      endpoint = opened.channel.addr;
      this.handle = opened.handle;
      if (this.paused) this.handle.pause();
    });
  }

  private deliver(message: WatchResponse__Output): void {
    const revision = message.header?.revision ?? 0;
    if (message.progress) this.options.onProgress?.(revision);
    for (const e of message.events) {
      const kv = fromWireKv(e.kv!);
      // Belt and braces: the server never repeats a revision, but a resumed stream must not either.
      if (kv.modRevision < this.nextRevision) continue;
      this.queue.push({
        type: e.type === 'PUT' ? 'put' : e.type === 'DELETE' ? 'delete' : 'expire',
        key: kv.key,
        revision: kv.modRevision,
        kv,
        prevKv: e.prev_kv ? fromWireKv(e.prev_kv) : null,
      });
    }
    // Every change up to the header's revision has been received (a message never splits a revision).
    const last = Math.max(revision, this.queue.at(-1)?.revision ?? 0);
    if (last >= this.nextRevision) {
      this.nextRevision = last + 1;
      this.received = last;
    }
    if (this.queue.length >= HIGH_WATER && !this.paused) {
      this.paused = true;
      this.handle?.pause();
    }
    this.wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    if (this.iterated) throw new TypeError('a watch can be iterated once');
    this.iterated = true;
    try {
      for (;;) {
        const event = this.queue.shift();
        if (event) {
          if (this.paused && this.queue.length < HIGH_WATER / 2) {
            this.paused = false;
            this.handle?.resume();
          }
          yield event;
          continue;
        }
        if (this.done) {
          if (this.failure) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => {
          this.waiter = resolve;
        });
      }
    } finally {
      this.close();
    }
  }
}

export { CompactedError, cancelled };
