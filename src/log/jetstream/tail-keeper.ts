import type { JetStreamClient } from 'nats';
import type { Logger } from 'pino';
import { LogTail, type TailSink } from './tail.js';

/** How long one try to start the tail (make its consumer) may take, and the pause between tries. */
const TAIL_START_TIMEOUT_MS = 1_000;
const TAIL_RETRY_MS = 250;
/** Waiting for records and none came for this long: the tail is started again. */
const SILENCE_MS = 2_500;

/** What the keeper asks of the log it follows for. */
export interface TailKeeperHost {
  /** The next revision to read (one after the last applied). */
  next(): number;
  /** Whether this node waits for records (its appends, a linearizable read). */
  waiting(): boolean;
  /** Whether following is over for good (closed, or the tail broke). */
  ended(): boolean;
}

/**
 * Keeps one {@link LogTail} running after the last applied record: starts it on demand, retries while no
 * consumer can be made (a stream or meta leader election, NATS out of reach), starts it again when told (a new
 * stream leader, a reconnect) or when the node waits for records and none came for a while (the consumer's own
 * recovery does not cover every failure of a leader change).
 */
export class TailKeeper {
  private tail: LogTail | null = null;
  private lastDelivery = Date.now();
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly sink: TailSink,
    private readonly host: TailKeeperHost,
    private readonly logger: Logger,
  ) {
    this.watchdog = setInterval(() => this.checkSilence(), 500);
    this.watchdog.unref();
  }

  /** Whether a tail runs (or is being started). */
  get following(): boolean {
    return this.tail !== null;
  }

  /** Starts following after the last applied record (once; from then on records flow in). */
  follow(): void {
    if (this.tail || this.host.ended()) return;
    const tail = new LogTail(
      this.js,
      this.stream,
      {
        deliver: (batch) => {
          this.lastDelivery = Date.now();
          this.sink.deliver(batch);
        },
        broken: (err) => this.sink.broken(err),
      },
      this.logger,
    );
    this.tail = tail;
    // A consumer cannot be made while JetStream elects a stream or meta leader (a killed server is often
    // both), and a request sent then may never be answered: each try is bounded, and tries follow closely,
    // so the tail is back within a few hundred ms of the election rather than after a 5 s API timeout.
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no consumer within 1 s')), TAIL_START_TIMEOUT_MS);
    });
    Promise.race([tail.start(this.host.next()), bounded])
      .catch((err: unknown) => {
        this.logger.debug({ err }, 'cannot follow the log stream yet; retrying');
        tail.stop();
        if (this.tail !== tail) return;
        this.tail = null;
        setTimeout(() => this.follow(), TAIL_RETRY_MS).unref();
      })
      .finally(() => clearTimeout(timer));
  }

  /** Starts the tail again after the last record applied (records read and not handed on are read again). */
  again(): void {
    if (this.tail === null) return;
    this.lastDelivery = Date.now();
    this.tail.stop();
    this.tail = null;
    this.follow();
  }

  /** Stops following for good. */
  stop(): void {
    clearInterval(this.watchdog);
    this.tail?.stop();
    this.tail = null;
  }

  private checkSilence(): void {
    if (this.host.ended() || this.tail === null) return;
    if (!this.host.waiting() || Date.now() - this.lastDelivery < SILENCE_MS) return;
    this.logger.warn(
      { next: this.host.next() },
      'no records from the log stream for 2.5 s while waiting for some: following it again',
    );
    this.again();
  }
}
