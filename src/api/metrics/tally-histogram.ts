import type { Metric, Registry } from 'prom-client';
import { BucketTally } from './bucket-tally.js';

/** One line of a metric family as prom-client's Registry formats it. */
interface ExposedValue {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

interface LabelledTally {
  readonly labels: Record<string, string>;
  readonly tally: BucketTally;
}

/**
 * A Prometheus histogram family whose counts live in {@link BucketTally} objects: callers look their tally
 * up once per label set and record into it directly; prom-client's Registry formats it on scrape like any
 * of its own histograms (cumulative `_bucket` lines with `le`, then `_sum` and `_count`).
 */
export class TallyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly tallies = new Map<string, LabelledTally>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    // The Registry only calls name, help, type, get() and reset(); its typings name prom-client's classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The tally of one label set (values in the order of the label names), created on first use. */
  tally(...values: string[]): BucketTally {
    const id = values.join('\u0000');
    let entry = this.tallies.get(id);
    if (entry === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => {
        labels[name] = values[i] ?? '';
      });
      entry = { labels, tally: new BucketTally(this.bounds) };
      this.tallies.set(id, entry);
    }
    return entry.tally;
  }

  /** The family as prom-client's Registry expects it. */
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: ExposedValue[];
  }> {
    const values: ExposedValue[] = [];
    for (const { labels, tally } of this.tallies.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += tally.counts[i]!;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...labels, le: this.bounds[i]! },
          value: cumulative,
        });
      }
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { ...labels, le: '+Inf' },
        value: tally.count,
      });
      values.push({ metricName: `${this.name}_sum`, labels, value: tally.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: tally.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Forgets every observation (Registry.resetMetrics). */
  reset(): void {
    for (const { tally } of this.tallies.values()) {
      tally.counts.fill(0);
      tally.sum = 0;
      tally.count = 0;
    }
  }
}
