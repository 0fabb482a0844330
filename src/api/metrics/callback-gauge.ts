import type { Metric, Registry } from 'prom-client';

/**
 * A gauge read from a callback when /metrics is scraped. When the callback answers undefined the family
 * has no sample at all (rather than a misleading 0), e.g. NATS lag on a server that does not publish.
 */
export class CallbackGauge {
  readonly type = 'gauge';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number | undefined,
    registry: Registry,
  ) {
    // The Registry only calls name, help, type, get() and reset(); its typings name prom-client's classes.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The family as prom-client's Registry expects it. */
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Record<string, never>; value: number }[];
  }> {
    const value = this.read();
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: value === undefined ? [] : [{ labels: {}, value }],
    };
  }

  /** Nothing to reset: the value is read afresh on every scrape. */
  reset(): void {}
}
