/**
 * Capacity planning (`kvstore plan`): expected disk, memory and start-up time of one kvstore server on the
 * SQLite log, from per-key and per-event costs measured on real runs (bench/plan-costs.ts prints them;
 * docs/operations.md, "Capacity planning", says how they were measured and where the model stops).
 */

/**
 * Costs measured by bench/plan-costs.ts on the development machine (2 cores, Node 20.20, SQLite log, 16-byte
 * keys, values of 64 B to 4 KiB, 10 000 to 400 000 keys; 2026-12-01), the mean of two full runs. Disk costs
 * fit every run within 3 %; RSS within 20 % of most runs (the same shape repeated varies by up to 15 %:
 * 400 000 keys of 100 B started at 292 to 343 MB); start-up time within about 40 % (it is mostly process
 * start, and varies between identical runs by as much on this machine).
 */
export const PLAN_COSTS = {
  /** Log bytes per event beyond its key and value, when written in bulk (SetMany, kvstore import). */
  logBulkEventOverhead: 12,
  /** Log bytes per single write (one Set: one record) beyond its key and value. */
  logWriteOverhead: 40,
  /** Checkpoint bytes per key beyond its key and value. */
  checkpointKeyOverhead: 9,
  /** Checkpoints kept on disk (the newest two). */
  checkpointsKept: 2,
  /** RSS of a server with no keys, once serving. */
  rssBaseBytes: 114_900_000,
  /** RSS per key beyond its key and value bytes, and per key-and-value byte, once started (the peak of start-up). */
  rssPerKey: 88,
  rssPerDataByte: 3.85,
  /** Start-up (process start to serving) with no keys; per key and per checkpoint byte loaded. */
  startupBaseMs: 725,
  startupPerKeyMs: 0.00016,
  startupPerByteMs: 0.0000057,
} as const;

export interface PlanInput {
  readonly keys: number;
  readonly keyBytes: number;
  readonly valueBytes: number;
  readonly writesPerSecond: number;
  /** History kept (compaction.keepFor), ms. */
  readonly retainMs: number;
}

export interface Plan {
  /** Single writes the log holds once it has run longer than the retention. */
  readonly retainedWrites: number;
  /** The log at its largest: the keys as loaded in bulk plus the retained writes (before the first compaction drops the load). */
  readonly logBytes: number;
  /** One checkpoint file. */
  readonly checkpointBytes: number;
  /** Log plus the checkpoints kept. */
  readonly diskBytes: number;
  readonly rssBytes: number;
  /** After a clean shutdown (a checkpoint at the last revision: nothing to replay). */
  readonly startupMs: number;
}

export function plan(input: PlanInput): Plan {
  const c = PLAN_COSTS;
  const data = input.keyBytes + input.valueBytes;
  const retainedWrites = Math.round(input.writesPerSecond * (input.retainMs / 1000));
  const logBytes =
    input.keys * (data + c.logBulkEventOverhead) + retainedWrites * (data + c.logWriteOverhead);
  const checkpointBytes = input.keys * (data + c.checkpointKeyOverhead);
  return {
    retainedWrites,
    logBytes,
    checkpointBytes,
    diskBytes: logBytes + c.checkpointsKept * checkpointBytes,
    rssBytes: c.rssBaseBytes + input.keys * (c.rssPerKey + c.rssPerDataByte * data),
    startupMs: c.startupBaseMs + input.keys * c.startupPerKeyMs + checkpointBytes * c.startupPerByteMs,
  };
}
