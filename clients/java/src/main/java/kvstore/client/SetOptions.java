package kvstore.client;

/**
 * Options of a Set: a time to live and a condition, both optional ({@code SetOptions.ttlMs(60_000)},
 * {@code SetOptions.when(Condition.modRevision(r))}, or both chained).
 *
 * @param ttlMs time to live in milliseconds; 0 = never expires
 * @param condition write only if this holds; null = unconditionally
 */
public record SetOptions(long ttlMs, Condition condition) {
  public static final SetOptions NONE = new SetOptions(0, null);

  public SetOptions {
    if (ttlMs < 0) throw new IllegalArgumentException("ttlMs must not be negative");
  }

  public static SetOptions ttlMs(long ttlMs) {
    return new SetOptions(ttlMs, null);
  }

  public static SetOptions when(Condition condition) {
    return new SetOptions(0, condition);
  }

  public SetOptions withTtlMs(long ttlMs) {
    return new SetOptions(ttlMs, condition);
  }

  public SetOptions withCondition(Condition condition) {
    return new SetOptions(ttlMs, condition);
  }
}
