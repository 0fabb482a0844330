/**
 * A histogram's counts for one label set, kept in preallocated arrays so that recording a value on the
 * request path allocates nothing and hashes nothing (prom-client's own `observe` hashes its labels on every
 * call). The exposition is built from these counts only when /metrics is scraped.
 */
export class BucketTally {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  /** `bounds` are the buckets' upper bounds, ascending (shared, never copied). */
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one observation. */
  observe(value: number): void {
    const bounds = this.bounds;
    // A linear scan: 10 to 20 buckets, and most request values land in the first few.
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** Request latency buckets (seconds): 50 us, where a Get lands, up to 10 s, where a stalled fsync does. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Records per group commit: powers of two up to the log's batch limit (512). */
export const BATCH_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
