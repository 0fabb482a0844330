import type { PubAck } from 'nats';
import { encodeRecord } from '../codec.js';
import type { RecordBuilder } from '../event-log.js';
import { LogUnavailableError } from '../event-log.js';
import { type LogEvent, type LogRecord, logRecord } from '../events.js';
import type { Flight, Pending, PublishRequest } from './flight.js';
import { sortRefused } from './refused-flights.js';

export type { PublishRequest } from './flight.js';

/** What the appender needs from the log around it. */
export interface AppendTarget {
  publish(request: PublishRequest): Promise<PubAck>;
  /** The newest revision this node has applied (its projection is built on it). */
  applied(): number;
  /** Asks the stream for its last sequence (a round trip to its leader). */
  streamHead(): Promise<number>;
  /** Resolves once this node has applied `revision`. */
  appliedThrough(revision: number): Promise<void>;
  /** A record was acknowledged by the stream (for metrics). */
  acknowledged(payloadBytes: number, seconds: number): void;
  /** The `Nats-Msg-Id` of the applied record at `revision`, when this node still remembers it. */
  msgIdAt(revision: number): string | undefined;
}

/** Options of {@link Appender}. */
export interface AppenderOptions {
  /** Records published and not yet acknowledged, at most. */
  readonly window: number;
  /** How long an append may take before it answers UNAVAILABLE (riding out a leader change). */
  readonly timeoutMs: number;
  /** A unique prefix for this process's message ids. */
  readonly nodeId: string;
}

const RETRY_DELAY_MS = 200;
/** How often deadlines are checked while appends are unanswered. */
const DEADLINE_CHECK_MS = 100;

/**
 * Appends to a log stream that other nodes append to as well, optimistically: a record is built on this
 * node's state at the revision it expects to get, published with `Nats-Expected-Last-Sequence`, and
 * JetStream (its leader, in log order) decides. Appends are pipelined: each record after the first in
 * flight is built on the ones before it and also expects the previous one's `Nats-Msg-Id`, so if one loses
 * the race, none built on it can land. A lost race puts every append from the lost one on back in the
 * queue; once this node has caught up with the stream they are built again (a condition is checked anew).
 * A publish whose answer was lost (a timeout, a reconnect, a leader change) is sent again with the same
 * message id, which JetStream answers "duplicate" if it was stored: no write is stored twice.
 */
export class Appender {
  private readonly queue: Pending[] = [];
  private flights: Flight[] = [];
  /** Flights refused as a lost race, to be checked against the stream once caught up (see lostRace). */
  private unsure: Flight[] = [];
  private catchingUp: Promise<void> | null = null;
  private resendTimer: NodeJS.Timeout | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private pumpScheduled = false;
  private counter = 0;
  private lastTimeMs = 0;
  private failure: Error | null = null;

  constructor(
    private readonly target: AppendTarget,
    private readonly options: AppenderOptions,
  ) {}

  /** Queues an append; resolves once the record is in the stream and applied by this node. */
  append(events: readonly LogEvent[] | RecordBuilder): Promise<LogRecord> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject, deadline: Date.now() + this.options.timeoutMs });
      this.watchDeadlines();
      this.pumpSoon();
    });
  }

  /**
   * Publishes what is queued once the current I/O phase is over: appends that arrived together (requests read
   * from many connections in one turn) go out together, in one socket write, instead of one write each.
   */
  private pumpSoon(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Appends not yet answered. */
  get inFlight(): number {
    return this.queue.length + this.flights.length + this.unsure.length;
  }

  /** Called after this node applied new records: answers the appends they complete. */
  applied(): void {
    this.settle();
  }

  /** Rejects everything queued and in flight, and every later append, with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    if (this.resendTimer) clearTimeout(this.resendTimer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    for (const f of this.unsure.splice(0)) f.pending.reject(error);
    for (const f of this.flights.splice(0)) f.pending.reject(error);
    for (const p of this.queue.splice(0)) p.reject(error);
  }

  /** Builds and publishes queued appends while the window has room. */
  private pump(): void {
    while (this.queue.length > 0 && this.catchingUp === null && this.resendTimer === null && !this.failure) {
      if (this.recordsInFlight() >= this.options.window) return;
      const pending = this.queue.shift()!;
      if (Date.now() > pending.deadline) {
        pending.reject(this.timedOut());
        continue;
      }
      // Built on this node's newest state: its own records in flight, or what it has applied when the tail
      // has already passed them (their acknowledgements not in yet).
      const latest = this.lastRecordFlight();
      const previous = latest && latest.record.revision >= this.target.applied() ? latest : undefined;
      const revision = (previous?.record.revision ?? this.target.applied()) + 1;
      const timeMs = Math.max(Date.now(), this.lastTimeMs);
      this.lastTimeMs = timeMs;
      let events: readonly LogEvent[];
      try {
        events = typeof pending.events === 'function' ? pending.events(revision, timeMs) : pending.events;
      } catch (err) {
        this.flights.push({ kind: 'refusal', pending, error: err as Error });
        this.settle();
        continue;
      }
      const request: PublishRequest = {
        payload: encodeRecord(revision, timeMs, events),
        msgId: `${this.options.nodeId}-${++this.counter}`,
        lastSequence: revision - 1,
        lastMsgId: previous?.request.msgId ?? null,
      };
      const flight: Flight = {
        kind: 'record',
        pending,
        record: logRecord(revision, timeMs, events),
        request,
        sentAt: performance.now(),
        acked: false,
      };
      this.flights.push(flight);
      this.send(flight);
    }
  }

  private send(flight: Flight & { kind: 'record' }): void {
    this.target.publish(flight.request).then(
      (ack) => this.acked(flight, ack),
      (err: unknown) => this.publishFailed(flight, err as Error),
    );
  }

  private acked(flight: Flight & { kind: 'record' }, ack: PubAck): void {
    if (!this.flights.includes(flight)) return;
    if (ack.seq !== flight.record.revision) {
      // Cannot happen with the expectations set; if it does, the stream is not what this node believes.
      this.lostRace(flight);
      return;
    }
    if (!flight.acked)
      this.target.acknowledged(flight.request.payload.length, (performance.now() - flight.sentAt) / 1000);
    flight.acked = true;
    this.settle();
  }

  private publishFailed(flight: Flight & { kind: 'record' }, err: Error): void {
    if (!this.flights.includes(flight) || this.failure) return;
    if (isLostRace(err)) {
      this.lostRace(flight);
      return;
    }
    // The answer is unknown (timeout, no responders during a leader change, a reconnect): send again,
    // with the same ids, every flight from this one on, unless the append has run out of time.
    if (Date.now() > flight.pending.deadline) {
      this.giveUp(flight);
      return;
    }
    this.scheduleResend();
  }

  /**
   * The stream has a new leader, or the connection to NATS came back: what was sent before and is not
   * acknowledged yet may never be answered, so it is sent again now (same ids: stored at most once) rather
   * than after its publish times out.
   */
  resendUnanswered(): void {
    if (this.failure || !this.flights.some((f) => f.kind === 'record' && !f.acked)) return;
    if (this.resendTimer) clearTimeout(this.resendTimer);
    this.resendTimer = null;
    this.resend();
  }

  /** Soon, sends again every flight not acknowledged yet, in order, with the same ids. */
  private scheduleResend(): void {
    this.resendTimer ??= setTimeout(() => {
      this.resendTimer = null;
      this.resend();
    }, RETRY_DELAY_MS);
  }

  private resend(): void {
    for (const f of this.flights) if (f.kind === 'record' && !f.acked) this.send(f);
    this.pump();
  }

  /**
   * `flight` was refused: its revision went to another node, or (when an earlier answer was lost during a
   * leader change) the refusal answers a resend of a record that did land. Which it was is known once this
   * node has caught up: the record at that revision carries the flight's message id or not. Those that
   * landed are answered; the rest, and everything built on them, are built again.
   */
  private lostRace(flight: Flight): void {
    const i = this.flights.indexOf(flight);
    this.unsure.push(...this.flights.splice(i));
    this.catchUp();
  }

  /** Answers or requeues the refused flights once this node has caught up (see {@link sortRefused}). */
  private sortUnsure(): void {
    const sorted = sortRefused(this.unsure, this.target, Date.now());
    this.unsure = [];
    for (const f of sorted.landed) f.pending.resolve(f.record);
    for (const f of sorted.refused) f.pending.reject(f.error);
    for (const f of sorted.expired) f.pending.reject(this.timedOut());
    this.queue.unshift(...sorted.again.map((f) => f.pending));
    if (sorted.stillOpen.length > 0) {
      for (const f of sorted.stillOpen) if (f.kind === 'record') f.acked = false;
      this.flights.push(...sorted.stillOpen);
      this.scheduleResend();
    }
  }

  /**
   * While anything is unanswered, checks deadlines on a short timer: an append answers UNAVAILABLE at its
   * deadline (give or take the check's period) even when no publish attempt ends then (one waits for its
   * acknowledgement for seconds).
   */
  private watchDeadlines(): void {
    if (this.deadlineTimer !== null || this.failure) return;
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = null;
      this.expireOverdue();
      if (this.inFlight > 0) this.watchDeadlines();
    }, DEADLINE_CHECK_MS);
    this.deadlineTimer.unref();
  }

  /** Answers UNAVAILABLE every append past its deadline, and those built on it (their outcome is unknown). */
  private expireOverdue(): void {
    const now = Date.now();
    this.expireQueued();
    const overdueUnsure = this.unsure.findIndex((f) => now > f.pending.deadline);
    if (overdueUnsure >= 0)
      for (const f of this.unsure.splice(overdueUnsure)) f.pending.reject(this.timedOut());
    const overdue = this.flights.find((f) => now > f.pending.deadline);
    if (overdue) this.giveUp(overdue);
  }

  /** `flight` ran out of time: it and the appends built on it answer UNAVAILABLE (their outcome unknown). */
  private giveUp(flight: Flight): void {
    const i = this.flights.indexOf(flight);
    for (const f of this.flights.splice(i)) f.pending.reject(this.timedOut());
    this.catchUp();
  }

  /**
   * Waits until this node has applied everything the stream holds, so that the next record is built on the
   * newest state; retries while the stream cannot be reached, failing appends whose time is up.
   */
  private catchUp(): void {
    if (this.catchingUp) return;
    this.catchingUp = (async () => {
      while (!this.failure) {
        try {
          const head = await this.target.streamHead();
          await this.target.appliedThrough(head);
          return;
        } catch {
          this.expireQueued();
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
        }
      }
    })().finally(() => {
      this.catchingUp = null;
      this.sortUnsure();
      this.pump();
    });
  }

  private expireQueued(): void {
    const now = Date.now();
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (now > this.queue[i]!.deadline) this.queue.splice(i, 1)[0]!.reject(this.timedOut());
    }
  }

  /** Answers, in order, the flights whose records this node has applied (and refusals behind them). */
  private settle(): void {
    const applied = this.target.applied();
    while (this.flights.length > 0) {
      const f = this.flights[0]!;
      if (f.kind === 'refusal') {
        this.flights.shift();
        f.pending.reject(f.error);
      } else if (f.acked && applied >= f.record.revision) {
        this.flights.shift();
        f.pending.resolve(f.record);
      } else break;
    }
    this.pump();
  }

  private recordsInFlight(): number {
    let n = 0;
    for (const f of this.flights) if (f.kind === 'record') n++;
    return n;
  }

  private lastRecordFlight(): (Flight & { kind: 'record' }) | undefined {
    for (let i = this.flights.length - 1; i >= 0; i--) {
      const f = this.flights[i]!;
      if (f.kind === 'record') return f;
    }
    return undefined;
  }

  private timedOut(): LogUnavailableError {
    return new LogUnavailableError(
      `the log stream did not acknowledge the write within ${this.options.timeoutMs} ms (NATS unreachable or ` +
        'electing a leader); it may or may not have been written: read the key before retrying a conditional write',
    );
  }
}

/** JetStream refused a publish because the stream moved on (error 10071, or a wrong last message id). */
function isLostRace(err: Error): boolean {
  const code = (err as { api_error?: { err_code?: number } }).api_error?.err_code;
  return code === 10071 || code === 10070 || /wrong last (sequence|msg ?id)/i.test(err.message);
}
