import { Counter, type Registry } from 'prom-client';
import type { RateLimitKind } from '../../service/rate-limiter.js';

/** Calls refused by a principal's rate limit (roles' rateLimit), on any transport. */
export class RateLimitMetrics {
  private readonly limited: Counter<'limit'>;

  constructor(registry: Registry) {
    this.limited = new Counter({
      name: 'kvstore_rate_limited_total',
      help: "Calls refused with RESOURCE_EXHAUSTED by their principal's rate limit, by the limit hit (requests or bytes)",
      labelNames: ['limit'],
      registers: [registry],
    });
  }

  /** Pass as the rate limiter's refusal observer. */
  readonly observe = (kind: RateLimitKind): void => {
    this.limited.inc({ limit: kind });
  };
}
