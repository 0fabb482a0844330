/**
 * Response sizes decided before a write. A write whose answer carries rows (a range delete with prev_kv, a
 * transaction's reads) is measured at the serialisation point, while its record is being built: an answer
 * over the limit refuses the write with nothing written. Measuring after the commit would turn an
 * acknowledged write into an error, and a client that retries it would apply it twice.
 */

/**
 * Upper bound of what one key-value adds to an encoded response beyond its key and value bytes: field
 * tags, length prefixes (up to 5 bytes each) and four int64 varints (up to 10 bytes each), rounded up.
 */
export const KEY_VALUE_OVERHEAD_BYTES = 64;

/** An answer would exceed `limits.maxResponseBytes`; nothing was written (gRPC RESOURCE_EXHAUSTED). */
export class ResponseTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
    what: string,
    advice: string,
  ) {
    super(
      `${what}: the response would be at least ${bytes} bytes, over the limit of ${limit} bytes ` +
        `(limits.maxResponseBytes); nothing was written. ${advice}`,
    );
    this.name = 'ResponseTooLargeError';
  }
}

/** Adds up the bytes of the rows an answer will carry and refuses once they pass the limit. */
export class ResponseBudget {
  private used = 0;

  constructor(
    private readonly limit: number,
    /** The request, as the error names it, e.g. `DeleteRange with prev_kv`. */
    private readonly what: string,
    /** What the client can do instead, one sentence. */
    private readonly advice: string,
  ) {}

  /** Bytes counted so far. */
  get bytes(): number {
    return this.used;
  }

  /** Counts one key-value of the answer (its value only when the answer carries it). */
  addRow(key: string, value: Uint8Array | null): void {
    this.add(Buffer.byteLength(key, 'utf8') + (value === null ? 0 : value.byteLength));
  }

  /** Counts `bytes` more (plus the per-row overhead); throws {@link ResponseTooLargeError} past the limit. */
  add(bytes: number): void {
    this.used += bytes + KEY_VALUE_OVERHEAD_BYTES;
    if (this.used > this.limit)
      throw new ResponseTooLargeError(this.used, this.limit, this.what, this.advice);
  }
}
