import { monitorEventLoopDelay } from 'node:perf_hooks';
import { status } from '@grpc/grpc-js';
import type { LoadOptions } from './options.js';
import type { FromWorker, LoopDelay } from './protocol.js';
import type { LoadTarget } from './targets/target.js';

/** What a worker thread's loops share: the target, its pre-encoded keys, the value, the way home. */
export interface WorkerContext {
  readonly options: LoadOptions;
  readonly target: LoadTarget;
  readonly keys: readonly unknown[];
  readonly value: Buffer;
  readonly nConns: number;
  post(message: FromWorker): void;
}

// Both clocks are monotonic; the offset between them is taken once, so that converted instants keep the
// exact spacing the main thread planned (a fresh offset per call would jitter by microseconds).
const CLOCK_OFFSET_MS = performance.now() - Number(process.hrtime.bigint()) / 1e6;

/** Converts a main-thread CLOCK_MONOTONIC stamp (ns) to this thread's performance.now() (ms). */
export function toLocalMs(ns: string): number {
  return Number(BigInt(ns)) / 1e6 + CLOCK_OFFSET_MS;
}

/** A short name for an error's kind: the gRPC status name when it has one. */
export function errorKind(err: Error & { code?: unknown }): string {
  if (typeof err.code === 'number' && status[err.code] !== undefined) return `grpc_${status[err.code]}`;
  return typeof err.code === 'string' ? err.code : err.name;
}

/** The key names of the Node runner and the k6 scripts: prefix and a zero-padded index. */
export function keyName(options: LoadOptions, i: number): string {
  return options.keyPrefix + String(i).padStart(Math.max(8, String(options.keys - 1).length), '0');
}

/** Starts measuring this thread's event-loop lateness; the returned function stops and reports it. */
export function loopDelayMonitor(): () => LoopDelay {
  const resolutionMs = 5;
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  // The histogram holds whole timer periods; lateness is what exceeds the resolution.
  const us = (ns: number) => Math.max(0, Math.round(ns / 1000) - resolutionMs * 1000);
  return () => {
    h.disable();
    return { p99: us(h.percentile(99)), max: us(h.max) };
  };
}

/** A value that starts with a CLOCK_MONOTONIC send time (0 = the watch scenario's sync write). */
export function stampedValue(options: LoadOptions, ns: bigint): Buffer {
  const v = Buffer.alloc(options.valueBytes, 0x61);
  v.writeBigUInt64BE(ns, 0);
  return v;
}
