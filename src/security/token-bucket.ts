/**
 * A token bucket: `rate` tokens a second, holding at most `capacity`. A take larger than the capacity is
 * allowed when the bucket is full and leaves it in debt (so one large request is never refused forever, and
 * the rate still holds over time).
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }

  /** Milliseconds until `amount` could be taken; 0 when it can be now. Refills first. */
  waitMs(amount: number, now: number): number {
    this.refill(now);
    const needed = Math.min(amount, this.capacity);
    return this.tokens >= needed ? 0 : Math.ceil(((needed - this.tokens) / this.rate) * 1000);
  }

  /** Takes `amount` (call after {@link waitMs} said 0). */
  take(amount: number): void {
    this.tokens -= amount;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.at) / 1000;
    this.at = now;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.rate);
  }
}
