/**
 * Bytes that many holders share a limit on (the watch messages every slow watcher keeps, in all). Holders
 * report what they hold; nobody is refused here, each holder checks {@link wouldExceed} before taking more.
 */
export class ByteBudget {
  private held = 0;

  constructor(
    /** The limit, in bytes. */
    readonly limit: number,
  ) {}

  /** Bytes held in all. */
  get used(): number {
    return this.held;
  }

  /** True when `bytes` more would take the total over the limit. */
  wouldExceed(bytes: number): boolean {
    return this.held + bytes > this.limit;
  }

  /** A holder's share changed by `delta` bytes (negative: released). */
  adjust(delta: number): void {
    this.held += delta;
  }
}
