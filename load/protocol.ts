import type { SerializedHistogram } from './histogram.js';
import type { LoadOptions } from './options.js';

/** What a worker thread is told when it starts. */
export type WorkerInit =
  | {
      readonly role: 'kv';
      readonly options: LoadOptions;
      readonly addr: string;
      readonly nConns: number;
      /** One entry per in-flight slot: the local connection index it uses. */
      readonly slotConns: readonly number[];
      /** This worker's share of the open-loop rate (0 = closed loop). */
      readonly rate: number;
    }
  | {
      readonly role: 'watch';
      readonly options: LoadOptions;
      readonly addr: string;
      readonly nConns: number;
      /** Watchers to open on each local connection. */
      readonly watchersPerConn: readonly number[];
    }
  | { readonly role: 'writer'; readonly options: LoadOptions; readonly addr: string; readonly nConns: 1 };

/** The measurement window, in CLOCK_MONOTONIC nanoseconds (process.hrtime.bigint) as decimal strings. */
export interface RunWindow {
  readonly startNs: string;
  readonly measureNs: string;
  readonly endNs: string;
  readonly drainMs: number;
}

/** Messages from the main thread. */
export type ToWorker =
  | { readonly type: 'preload'; readonly stride: number; readonly offset: number }
  | { readonly type: 'sync' }
  | ({ readonly type: 'run' } & RunWindow)
  | { readonly type: 'close' };

/** Figures of one interval of a long run (soak), from one worker. */
export interface IntervalReport {
  readonly index: number;
  readonly ops: number;
  readonly errors: number;
  readonly hist: SerializedHistogram;
}

/** A kv worker's figures for the window. */
export interface KvResult {
  readonly ops: number;
  readonly errors: number;
  readonly errorKinds: Record<string, number>;
  readonly firstError: string | null;
  readonly misses: number;
  readonly unfinished: number;
  readonly hist: SerializedHistogram;
  readonly byOp: { readonly set: SerializedHistogram; readonly get: SerializedHistogram };
  /** Open loop: service time (from the actual send), send lag (send - due), requests due and not sent. */
  readonly service: SerializedHistogram | null;
  readonly sendLag: SerializedHistogram | null;
  readonly dueInWindow: number;
  readonly notSent: number;
  /** Every interval of the window (soak), complete: requests that finished late are in theirs. */
  readonly intervals: readonly IntervalReport[];
  readonly loopDelay: LoopDelay;
}

/** A watch worker's figures: events whose write was sent inside the window, and their delay. */
export interface WatchResult {
  readonly events: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly hist: SerializedHistogram;
  readonly loopDelay: LoopDelay;
}

/** The writer's figures (watch scenario). */
export interface WriterResult {
  readonly writes: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly hist: SerializedHistogram;
}

/** A worker's own event-loop lateness during the run, in microseconds: client stalls show up here. */
export interface LoopDelay {
  readonly p99: number;
  readonly max: number;
}

/** Messages to the main thread. */
export type FromWorker =
  | { readonly type: 'ready' }
  | {
      readonly type: 'preloaded';
      readonly written: number;
      readonly errors: number;
      readonly firstError: string | null;
    }
  | { readonly type: 'watching' }
  | { readonly type: 'interval'; readonly report: IntervalReport }
  | { readonly type: 'kv-result'; readonly result: KvResult }
  | { readonly type: 'watch-result'; readonly result: WatchResult }
  | { readonly type: 'writer-result'; readonly result: WriterResult }
  | { readonly type: 'closed' }
  | { readonly type: 'fatal'; readonly error: string };
