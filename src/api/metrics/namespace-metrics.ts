import { Gauge, type Registry } from 'prom-client';
import type { StatsProviders } from './providers.js';

/** Per-namespace usage (keys, bytes) and quotas, read from the store's quota guard at each scrape. */
export class NamespaceMetrics {
  constructor(registry: Registry, providers: StatsProviders) {
    const usage = () => providers.namespaces?.() ?? [];
    const gauge = (name: string, help: string, read: (n: NamespaceStats) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['namespace'],
        registers: [registry],
        collect() {
          this.reset();
          for (const n of usage()) {
            const value = read(n);
            if (value !== undefined) this.set({ namespace: n.name }, value);
          }
        },
      });
    gauge(
      'kvstore_namespace_keys',
      'Keys stored under each namespace prefix (security.rolesFile namespaces:)',
      (n) => n.keys,
    );
    gauge(
      'kvstore_namespace_bytes',
      'UTF-8 bytes of the keys (prefix included) plus values stored under each namespace',
      (n) => n.bytes,
    );
    gauge('kvstore_namespace_quota_keys', 'Each namespace quota of keys (absent: none)', (n) => n.quotaKeys);
    gauge(
      'kvstore_namespace_quota_bytes',
      'Each namespace quota of bytes (absent: none)',
      (n) => n.quotaBytes,
    );
  }
}

/** One namespace's usage as metrics read it. */
export interface NamespaceStats {
  readonly name: string;
  readonly keys: number;
  readonly bytes: number;
  readonly quotaKeys?: number;
  readonly quotaBytes?: number;
}
