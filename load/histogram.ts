/**
 * Latency histogram in the manner of HdrHistogram: integer microseconds, exact below 2048 us and with 1024
 * sub-buckets per power of two above (a relative error under 0.1 %), up to 100 s. Mergeable across worker
 * threads and small to send (only non-empty buckets travel).
 */
export class LatencyHistogram {
  private static readonly LINEAR = 2048;
  private static readonly SUB = 1024;
  private static readonly MAX_US = 100_000_000;
  private readonly counts = new Float64Array(LatencyHistogram.indexOf(LatencyHistogram.MAX_US) + 1);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  /** Records one latency in microseconds (clamped to 1 us .. 100 s). */
  record(us: number): void {
    const v = us < 1 ? 1 : us > LatencyHistogram.MAX_US ? LatencyHistogram.MAX_US : Math.round(us);
    this.counts[LatencyHistogram.indexOf(v)]!++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The value at `percentile` (0..100): the highest value its bucket can hold, as HdrHistogram reports. */
  percentile(percentile: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((percentile / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(LatencyHistogram.highestIn(i), this.max);
    }
    return this.max;
  }

  /** Adds every observation of `other`. */
  add(other: LatencyHistogram | SerializedHistogram): void {
    const h = other instanceof LatencyHistogram ? other.serialize() : other;
    for (let i = 0; i < h.buckets.length; i += 2) this.counts[h.buckets[i]!]! += h.buckets[i + 1]!;
    this.count += h.count;
    this.sum += h.sum;
    if (h.count > 0) {
      this.min = Math.min(this.min, h.min);
      this.max = Math.max(this.max, h.max);
    }
  }

  /** A compact copy for postMessage: [index, count] pairs of the non-empty buckets. */
  serialize(): SerializedHistogram {
    const buckets: number[] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i]! > 0) buckets.push(i, this.counts[i]!);
    return { buckets, count: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  /** Count, min, percentiles, max and mean in microseconds; null when nothing was recorded. */
  summary(): LatencySummary | null {
    if (this.count === 0) return null;
    return {
      count: this.count,
      min: this.min,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.max,
      mean: Math.round((this.sum / this.count) * 10) / 10,
    };
  }

  /** Merges serialized histograms into a new one. */
  static merge(list: readonly (SerializedHistogram | null | undefined)[]): LatencyHistogram {
    const total = new LatencyHistogram();
    for (const h of list) if (h) total.add(h);
    return total;
  }

  private static indexOf(v: number): number {
    if (v < LatencyHistogram.LINEAR) return v;
    const shift = Math.floor(Math.log2(v)) - 10; // v >> shift lands in [1024, 2048)
    return (
      LatencyHistogram.LINEAR + (shift - 1) * LatencyHistogram.SUB + ((v >> shift) - LatencyHistogram.SUB)
    );
  }

  private static highestIn(index: number): number {
    if (index < LatencyHistogram.LINEAR) return index;
    const shift = Math.floor((index - LatencyHistogram.LINEAR) / LatencyHistogram.SUB) + 1;
    const mantissa = ((index - LatencyHistogram.LINEAR) % LatencyHistogram.SUB) + LatencyHistogram.SUB;
    return ((mantissa + 1) << shift) - 1;
  }
}

/** A histogram as it travels between threads. */
export interface SerializedHistogram {
  readonly buckets: number[];
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/** Latency figures in microseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}
