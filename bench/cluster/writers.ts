// The writer loop the stall is measured with: `inflight` writers, each writing its own keys one after the
// other over connections spread round-robin over a cluster's endpoints. A write that fails, or is not
// answered within the timeout, is sent again (same key) on the next connection, so a writer whose endpoint
// died moves on to a live one; a late answer still counts as an acknowledgement when it comes.
import { randomBytes } from 'node:crypto';
import type { LoadTarget } from '../../load/targets/target.js';
import { errorKind } from '../../load/worker-context.js';

/** Settings of the writer loop. */
export interface WriterOptions {
  /** Writers (requests outstanding). */
  readonly inflight: number;
  /** Connections of the target (spread over the endpoints). */
  readonly conns: number;
  /** A write unanswered this long is sent again on the next connection. */
  readonly timeoutMs: number;
  readonly valueBytes: number;
  /** Key prefix of this loop: every key is `${prefix}${writer}/${seq}`. */
  readonly prefix: string;
}

/** Pause after a failed write, so a writer facing a cluster without a leader does not spin. */
const RETRY_PAUSE_MS = 10;

/** Writers running against one target; see the file comment. */
export class Writers {
  /** performance.now() of every acknowledgement, in arrival order. */
  readonly ackTimes: number[] = [];
  /** Every acknowledged key (a key acknowledged twice appears twice). */
  readonly ackedKeys: string[] = [];
  errors = 0;
  readonly errorKinds: Record<string, number> = {};
  private stopping = false;
  private outstanding = 0;
  private readonly value: Buffer;

  constructor(
    private readonly target: LoadTarget,
    private readonly options: WriterOptions,
  ) {
    this.value = randomBytes(options.valueBytes);
  }

  /** Starts every writer. */
  start(): void {
    for (let w = 0; w < this.options.inflight; w++) this.writer(w);
  }

  /** Acknowledgements in the last `ms` milliseconds. */
  acksSince(at: number): number {
    let n = 0;
    for (let i = this.ackTimes.length - 1; i >= 0 && this.ackTimes[i]! > at; i--) n++;
    return n;
  }

  /** Stops sending and waits for the writes still out (up to the timeout plus a second). */
  async stop(): Promise<void> {
    this.stopping = true;
    const until = performance.now() + this.options.timeoutMs + 1000;
    while (this.outstanding > 0 && performance.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private writer(w: number): void {
    let seq = 0;
    let conn = w % this.options.conns;
    const send = (key: string) => {
      if (this.stopping) return;
      let settled = false;
      this.outstanding++;
      const fail = (kind: string) => {
        settled = true;
        this.errors++;
        this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + 1;
        conn = (conn + 1) % this.options.conns;
        setTimeout(() => send(key), RETRY_PAUSE_MS);
      };
      const timer = setTimeout(() => {
        if (!settled) fail('client_timeout');
      }, this.options.timeoutMs);
      this.target.set(conn, this.target.encodeKey(key), this.value, (err) => {
        this.outstanding--;
        if (!err) this.ack(key);
        if (settled) return;
        clearTimeout(timer);
        if (err) fail(errorKind(err));
        else {
          settled = true;
          seq++;
          send(`${this.options.prefix}${w}/${seq}`);
        }
      });
    };
    send(`${this.options.prefix}${w}/${seq}`);
  }

  private ack(key: string): void {
    this.ackTimes.push(performance.now());
    this.ackedKeys.push(key);
  }
}
