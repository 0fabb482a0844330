import { cpus, release, totalmem } from 'node:os';
import { type CpuUse, cpuBetween, cpuSnapshot } from './cpu.js';
import type { LoopDelay, RunWindow } from './protocol.js';
import type { CpuFigures, LoadResult } from './result.js';

/** Rounds to one decimal. */
export const r1 = (x: number) => Math.round(x * 10) / 10;

/** The window: start 100 ms from now, measure after the warm-up, end after the duration. */
export function plan(warmupS: number, durationS: number, drainS: number): RunWindow {
  const now = process.hrtime.bigint();
  const startNs = now + 100_000_000n; // time for the message to reach every worker
  const measureNs = startNs + BigInt(Math.round(warmupS * 1e9));
  const endNs = measureNs + BigInt(Math.round(durationS * 1e9));
  return {
    startNs: String(startNs),
    measureNs: String(measureNs),
    endNs: String(endNs),
    drainMs: drainS * 1000,
  };
}

/** CPU snapshots taken at the window's edges. */
export function cpuOverWindow(window: RunWindow, pids: readonly number[]): Promise<CpuUse> {
  const at = (ns: string) => Math.max(0, Number(BigInt(ns) - process.hrtime.bigint()) / 1e6);
  return new Promise((resolve) => {
    let first = cpuSnapshot(pids);
    setTimeout(() => {
      first = cpuSnapshot(pids);
    }, at(window.measureNs));
    setTimeout(() => resolve(cpuBetween(first, cpuSnapshot(pids))), at(window.endNs));
  });
}

/** Adds CPU microseconds per operation (or per delivered event). */
export function perOp(cpu: CpuUse, n: number): CpuFigures {
  if (n === 0) return cpu;
  const us = (cores: number) => Math.round((cores * cpu.wall_s * 1e6) / n);
  return {
    ...cpu,
    client_cpu_us_per_op: us(cpu.client_cores),
    ...(cpu.server_cores === undefined ? {} : { server_cpu_us_per_op: us(cpu.server_cores) }),
  };
}

/** The worst worker's event-loop lateness. */
export function worstLoopDelay(list: readonly LoopDelay[]): LoopDelay | undefined {
  if (list.length === 0) return undefined;
  return { p99: Math.max(...list.map((d) => d.p99)), max: Math.max(...list.map((d) => d.max)) };
}

/** The machine, for the record. */
export function host(): Record<string, unknown> {
  const c = cpus();
  return {
    cpus: c.length,
    cpu_model: c[0]?.model,
    mem_gib: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
  };
}

/** Splits `n` items over `parts` as evenly as possible. */
export function spread(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

/** The fields every result starts with. */
export type Base = Pick<
  LoadResult,
  | 'tool'
  | 'ts'
  | 'label'
  | 'scenario'
  | 'target'
  | 'addr'
  | 'server_started'
  | 'server'
  | 'pre_busy_pct'
  | 'host'
>;
