import { familyNames } from '../helpers/prometheus.js';
import { startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Every metric name a real server's /metrics exports (histograms with their _bucket, _sum and _count
 * series): a server process is started, scraped once and stopped. Families without a sample (NATS gauges
 * when nats.url is empty) are declared by their `# TYPE` line all the same, so they count.
 */
export async function exportedMetricNames(): Promise<Set<string>> {
  const server = await startServerProcess(await tempDir());
  let text: string;
  try {
    text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
  } finally {
    await server.stop();
  }
  return metricNamesIn(text);
}

/** The metric names an exposition declares, with Prometheus's own `up`. */
export function metricNamesIn(exposition: string): Set<string> {
  const names = new Set<string>(['up']); // Prometheus's own, per scrape target
  for (const [name, type] of familyNames(exposition)) {
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
