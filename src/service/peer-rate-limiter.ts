import { TokenBucket } from '../security/token-bucket.js';
import { ServiceError } from './errors.js';

/** Peers whose buckets are kept before idle ones are dropped (a dropped bucket starts full again). */
const MAX_TRACKED = 10_000;

/**
 * A limit on calls made before any principal is known (etcd's Auth.Authenticate, which takes a credential
 * to check), per client IP address: the caller cannot be charged as a principal, so its address is.
 * `perSecond` calls a second, as many at once; 0 = no limit.
 */
export class PeerRateLimiter {
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastUsed: number }>();

  constructor(
    private readonly perSecond: number,
    /** What is limited and by which setting, for the message (`etcd Authenticate`, `security.x`). */
    private readonly what: { readonly call: string; readonly setting: string },
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Charges one call to `address`; null when admitted, otherwise RESOURCE_EXHAUSTED naming the address,
   * the limit and when to retry (details `limit`, `retry-after-ms`).
   */
  admit(address: string): ServiceError | null {
    if (this.perSecond <= 0) return null;
    const now = this.now();
    let entry = this.buckets.get(address);
    if (entry === undefined) {
      if (this.buckets.size >= MAX_TRACKED) this.forgetIdle(now);
      entry = { bucket: new TokenBucket(this.perSecond, this.perSecond, now), lastUsed: now };
      this.buckets.set(address, entry);
    }
    entry.lastUsed = now;
    const wait = entry.bucket.waitMs(1, now);
    if (wait === 0) {
      entry.bucket.take(1);
      return null;
    }
    return new ServiceError(
      'RESOURCE_EXHAUSTED',
      `rate limit: ${this.what.call} may be called ${this.perSecond} times/s per client address (${this.what.setting}); ${address} may retry in ${wait} ms`,
      { limit: 'requests', 'retry-after-ms': String(wait) },
    );
  }

  private forgetIdle(now: number): void {
    const idleMs = Math.max(1000, 1000 / this.perSecond);
    for (const [address, e] of this.buckets) if (now - e.lastUsed >= idleMs) this.buckets.delete(address);
  }
}

/** The IP address of a gRPC peer string (`ipv4:1.2.3.4:5678`, `[::1]:5678`, `1.2.3.4:5678`), port dropped. */
export function peerAddress(peer: string): string {
  const bare = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\]/.exec(bare);
  if (bracketed) return bracketed[1]!;
  const colon = bare.lastIndexOf(':');
  return colon > 0 && bare.indexOf(':') === colon ? bare.slice(0, colon) : bare;
}
