import type { RateLimit } from '../security/rate-limit.js';
import { TokenBucket } from '../security/token-bucket.js';
import type { Access } from './access.js';
import { ServiceError } from './errors.js';

/** Which limit refused a call (the `limit` label of kvstore_rate_limited_total). */
export type RateLimitKind = 'requests' | 'bytes';

interface Buckets {
  /** The limit they were made for: a reload that changes it makes new ones. */
  readonly limit: RateLimit;
  readonly requests: TokenBucket | null;
  readonly bytes: TokenBucket | null;
  lastUsed: number;
}

/** Principals whose buckets are kept before idle ones are dropped (a dropped bucket starts full again). */
const MAX_TRACKED = 10_000;

/**
 * Per-principal token buckets over requests and request bytes, shared by every transport (a principal's
 * budget is one, whether it calls over gRPC, the etcd API or HTTP). A call is charged once, when its
 * request arrives; a refused call is not charged.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Buckets>();

  constructor(
    /** Hears of each refusal (metrics). */
    private readonly onLimited: (kind: RateLimitKind) => void = () => {},
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Charges one request of `bytes` to the caller; null when admitted, otherwise RESOURCE_EXHAUSTED naming
   * the principal, the limit and when to retry (details `limit`, `retry-after-ms`; HTTP answers 429).
   */
  admit(access: Access, bytes: number): ServiceError | null {
    const limit = access.rateLimit;
    if (limit === null) return null;
    const now = this.now();
    const buckets = this.bucketsOf(access.principal, limit, now);
    const requestWait = buckets.requests?.waitMs(1, now) ?? 0;
    const bytesWait = buckets.bytes?.waitMs(bytes, now) ?? 0;
    if (requestWait === 0 && bytesWait === 0) {
      buckets.requests?.take(1);
      buckets.bytes?.take(bytes);
      return null;
    }
    const kind: RateLimitKind = requestWait > 0 ? 'requests' : 'bytes';
    const retryMs = Math.max(requestWait, bytesWait);
    this.onLimited(kind);
    const rate =
      kind === 'requests'
        ? `${limit.requestsPerSecond} requests/s`
        : `${limit.bytesPerSecond} request bytes/s`;
    return new ServiceError(
      'RESOURCE_EXHAUSTED',
      `rate limit: principal "${access.principal}" may send ${rate} (its roles' rateLimit); retry in ${retryMs} ms`,
      { principal: access.principal, limit: kind, 'retry-after-ms': String(retryMs) },
    );
  }

  private bucketsOf(principal: string, limit: RateLimit, now: number): Buckets {
    let buckets = this.buckets.get(principal);
    if (buckets !== undefined && !sameLimit(buckets.limit, limit)) buckets = undefined;
    if (buckets === undefined) {
      if (this.buckets.size >= MAX_TRACKED) this.forgetIdle(now);
      buckets = {
        limit,
        requests:
          limit.requestsPerSecond > 0
            ? new TokenBucket(limit.requestsPerSecond, limit.burstRequests, now)
            : null,
        // A second's worth of bytes may arrive at once (requests vary in size far more than in count).
        bytes:
          limit.bytesPerSecond > 0 ? new TokenBucket(limit.bytesPerSecond, limit.bytesPerSecond, now) : null,
        lastUsed: now,
      };
      this.buckets.set(principal, buckets);
    }
    buckets.lastUsed = now;
    return buckets;
  }

  /** Drops buckets unused for a second or more: they would have refilled to full anyway. */
  private forgetIdle(now: number): void {
    for (const [name, b] of this.buckets) if (now - b.lastUsed >= 1000) this.buckets.delete(name);
  }
}

function sameLimit(a: RateLimit, b: RateLimit): boolean {
  return (
    a === b ||
    (a.requestsPerSecond === b.requestsPerSecond &&
      a.bytesPerSecond === b.bytesPerSecond &&
      a.burstRequests === b.burstRequests)
  );
}
