import { ServerMetrics } from '../../src/api/metrics/server-metrics.js';
import { familyNames } from '../helpers/prometheus.js';

/** Every metric name /metrics exports (histograms with their _bucket, _sum and _count series). */
export async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = new ServerMetrics({
    providers: {
      watchers: () => ({ count: 0, maxLagRevisions: 0 }),
      nats: () => ({ connected: true, lagRevisions: 0 }),
    },
    ready: () => true,
    version: 'test',
  });
  metrics.attachStore({
    status: () => ({
      revision: 1,
      compactRevision: 1,
      keys: 1,
      checkpointRevision: 0,
      backend: 'test',
      historyCheck: { state: 'done', checkedRecords: 0, damagedRecords: 0, damagedRevisions: [] },
    }),
  });
  const names = new Set<string>(['up']); // Prometheus's own, per scrape target
  for (const [name, type] of familyNames(await metrics.text())) {
    names.add(name);
    if (type === 'histogram' || type === 'summary')
      for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** Metric names a PromQL expression reads (ours, process_* and nodejs_*, and up). */
export function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(kvstore_[a-z0-9_]+|process_[a-z0-9_]+|nodejs_[a-z0-9_]+|up)\b(?!\s*\()/g)].map(
    (m) => m[1]!,
  );
}
