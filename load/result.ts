import type { CpuUse } from './cpu.js';
import type { LatencySummary } from './histogram.js';
import type { LoopDelay } from './protocol.js';

/** Version of the result format. */
export const LOAD_TOOL = 'kvstore-load 1';

/** One interval of a long run. */
export interface IntervalFigures {
  readonly t_s: number;
  readonly ops_per_s: number;
  readonly errors: number;
  readonly p50_us: number;
  readonly p99_us: number;
}

/** CPU use with the cost per operation (or per delivered event in the watch scenario). */
export type CpuFigures = CpuUse & { client_cpu_us_per_op?: number; server_cpu_us_per_op?: number };

/** The one JSON line a run prints; field names match the shared bench harness where they overlap. */
export interface LoadResult {
  readonly tool: string;
  readonly ts: string;
  readonly label?: string;
  readonly scenario: string;
  readonly target: string;
  readonly addr: string;
  readonly server_started: boolean;
  readonly server: Record<string, unknown>;
  readonly op?: string;
  readonly mode?: 'closed' | 'open';
  readonly conns: number;
  readonly inflight?: number;
  readonly workers: number;
  readonly duration_s: number;
  readonly warmup_s: number;
  readonly value_bytes: number;
  readonly keys: number;
  readonly read_ratio?: number;
  readonly rate_target?: number;
  readonly ops?: number;
  readonly ops_per_s?: number;
  readonly errors: number;
  readonly error_kinds?: Record<string, number>;
  readonly first_error?: string;
  readonly get_misses?: number;
  readonly unfinished?: number;
  readonly due_in_window?: number;
  readonly not_sent?: number;
  readonly latency_us: LatencySummary | null;
  readonly service_us?: LatencySummary | null;
  readonly send_lag_us?: LatencySummary | null;
  readonly by_op?: { readonly get: LatencySummary | null; readonly set: LatencySummary | null };
  readonly preload?: { readonly written: number; readonly seconds: number } | null;
  readonly intervals?: IntervalFigures[];
  readonly watchers?: number;
  readonly watch_rate_target?: number;
  readonly writes?: number;
  readonly write_latency_us?: LatencySummary | null;
  readonly events?: number;
  readonly events_per_s?: number;
  readonly expected_events?: number;
  readonly delivery_ratio?: number | null;
  readonly client_loop_delay_us: LoopDelay | undefined;
  readonly cpu: CpuFigures;
  readonly server_rss_mib?: { readonly start: number | null; readonly end: number | null };
  readonly pre_busy_pct: number;
  readonly thresholds?: { readonly p95_ms: number; readonly ok: boolean };
  readonly host: Record<string, unknown>;
}

/** Progress lines go here (stderr in the CLI). */
export type LoadLog = (line: string) => void;
