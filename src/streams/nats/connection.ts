import { type ConnectionOptions, connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { Alarm } from './alarm.js';

/** Where the link to NATS stands, as status pages and metrics show it. */
export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** How to reach NATS. */
export interface NatsLinkOptions {
  /** Comma-separated server URLs. */
  readonly servers: string;
  /** One attempt to connect (TCP, TLS, handshake) gives up after this long. */
  readonly connectTimeoutMs?: number;
  /** Credentials and TLS (nats.user, nats.tokenFile, nats.credsFile, nats.tls*), added to every connect. */
  readonly auth?: Partial<ConnectionOptions>;
}

/** The first retry after a failed connect; it doubles up to {@link RETRY_MAX_MS}. */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;
/** While NATS stays unreachable, one log line at most this often (with the number of failures). */
const REPEAT_LOG_MS = 60_000;

/**
 * A connection to NATS that is kept up in the background: the first connection is retried here (so that
 * it can be abandoned at any moment, which nats.js's own wait-on-first-connect loop cannot be), later
 * outages by nats.js's reconnect. Failures are logged without flooding: the first at warn, then at most
 * one line a minute counting them, and one when the link is back.
 */
export class NatsLink {
  state: LinkState = 'connecting';
  /** The last connection failure, for status pages; null once connected. */
  lastError: string | null = null;
  /** The open connection (possibly reconnecting); null while connecting and after close. */
  connection: NatsConnection | null = null;
  private closed = false;
  private failures = 0;
  private lastLoggedAt = 0;
  private readonly alarm = new Alarm();

  constructor(
    private readonly options: NatsLinkOptions,
    private readonly logger: Logger,
    /** Called on every (re)connection. */
    private readonly onConnected: (nc: NatsConnection) => void,
  ) {}

  /** Starts connecting in the background. */
  start(): void {
    void this.run();
  }

  /**
   * Stops for good within `budgetMs`: a connected link drains (what was published gets flushed) for at
   * most that long; one that is connecting or reconnecting is abandoned at once.
   */
  async close(budgetMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.alarm.wake();
    const nc = this.connection;
    this.connection = null;
    if (!nc) return; // an attempt in flight closes what it gets (see run)
    if (wasConnected && budgetMs > 0) await settleWithin(nc.drain(), budgetMs);
    await nc.close().catch(() => {});
  }

  private async run(): Promise<void> {
    let retryMs = RETRY_MIN_MS;
    while (!this.closed) {
      let nc: NatsConnection;
      try {
        nc = await connect({
          ...this.options.auth,
          servers: this.options.servers.split(',').map((s) => s.trim()),
          name: 'kvstore',
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: RETRY_MIN_MS,
          waitOnFirstConnect: false,
          timeout: this.options.connectTimeoutMs ?? 5_000,
        });
      } catch (err) {
        if (this.closed) return;
        this.failed(describe(err));
        await this.alarm.sleep(retryMs);
        retryMs = Math.min(2 * retryMs, RETRY_MAX_MS);
        continue;
      }
      if (this.closed) {
        await nc.close().catch(() => {});
        return;
      }
      retryMs = RETRY_MIN_MS;
      this.connection = nc;
      this.up(nc);
      await this.follow(nc);
      // The connection ended for good (nats.js gave up, or close() was called): start over unless closing.
      if (this.closed) return;
      this.connection = null;
      this.state = 'disconnected';
      this.failed(describe(await nc.closed()) || 'the connection closed');
    }
  }

  /** Follows the connection's status events until it closes. */
  private async follow(nc: NatsConnection): Promise<void> {
    let attempts = 0;
    for await (const status of nc.status()) {
      if (this.closed) return;
      if (status.type === 'disconnect') {
        attempts = 0;
        this.state = 'disconnected';
        this.failed(`disconnected from ${String(status.data)}`);
      } else if (status.type === 'reconnecting') {
        // One event per attempt: every one after the first means the previous attempt failed.
        if (++attempts > 1) this.failed(this.lastError ?? 'disconnected', false);
      } else if (status.type === 'reconnect') {
        this.up(nc);
      } else if (status.type === 'error') {
        this.lastError = String(status.data);
      }
    }
  }

  private up(nc: NatsConnection): void {
    this.state = 'connected';
    const after = this.failures;
    this.failures = 0;
    this.lastError = null;
    this.logger.info(
      { servers: this.options.servers, ...(after > 0 ? { failures: after } : {}) },
      'NATS connected',
    );
    this.onConnected(nc);
  }

  /** A connection attempt failed or the connection dropped: counted, logged at most once a minute. */
  private failed(message: string, record = true): void {
    this.failures++;
    if (record) this.lastError = message;
    const now = Date.now();
    if (this.failures === 1) {
      this.lastLoggedAt = now;
      this.logger.warn(
        { servers: this.options.servers, err: message },
        this.state === 'connecting'
          ? 'NATS unreachable; the key-value API goes on, publishing starts once it connects'
          : 'NATS disconnected; the key-value API goes on, publishing resumes on reconnect',
      );
    } else if (now - this.lastLoggedAt >= REPEAT_LOG_MS) {
      this.lastLoggedAt = now;
      this.logger.warn(
        { servers: this.options.servers, err: this.lastError, failures: this.failures },
        'NATS still unreachable',
      );
    }
  }
}

/** Resolves once `promise` settles or `ms` have passed, whichever is first; true when it settled. */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** "CONNECTION_REFUSED: connect ECONNREFUSED 127.0.0.1:1" from a nats.js error (or anything thrown). */
function describe(err: unknown): string {
  if (err === undefined || err === null) return '';
  const e = err as { message?: string; chainedError?: { message?: string } };
  const chained = e.chainedError?.message;
  const message = e.message ?? String(err);
  return chained && !message.includes(chained) ? `${message}: ${chained}` : message;
}
