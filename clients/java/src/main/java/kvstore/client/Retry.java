package kvstore.client;

import java.util.concurrent.ThreadLocalRandom;

/**
 * When an idempotent call is tried again, and the backoff between attempts (also a watch's between
 * reconnections): full jitter, a random delay in [0, min(maxMs, initialMs * 2^attempt)].
 *
 * @param maxAttempts attempts in all, the first included (1 = never retry)
 * @param initialMs upper bound of the first delay
 * @param maxMs largest delay
 */
public record Retry(int maxAttempts, long initialMs, long maxMs) {
  /** 5 attempts, 50 ms doubling up to 2000 ms. */
  public static final Retry DEFAULT = new Retry(5, 50, 2000);

  public Retry {
    if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1");
    if (initialMs < 0 || maxMs < 0) throw new IllegalArgumentException("delays must not be negative");
  }

  /** The delay before attempt {@code attempt} (0-based: the delay after the first failure). */
  public long delayMs(int attempt) {
    double cap = Math.min((double) maxMs, initialMs * Math.pow(2, Math.min(attempt, 30)));
    return (long) (ThreadLocalRandom.current().nextDouble() * cap);
  }
}
