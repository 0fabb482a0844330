package kvstore.client;

import java.util.Optional;
import java.util.function.Function;

/**
 * Read-modify-write with optimistic concurrency, the recipe of the TypeScript and Python clients
 * ({@code update()}): read the key, compute its new value, write it only if the key's mod revision is
 * unchanged; on a conflict read and compute again (jittered backoff).
 */
public final class Update {
  /** What {@code fn} returns to leave the key as it is (compared by identity). */
  public static final byte[] UNCHANGED = new byte[0];

  private static final Retry BACKOFF = new Retry(32, 10, 500);

  private Update() {}

  /** {@link #update(KvClient, String, Function, int, long)} with 32 attempts and no TTL. */
  public static long update(KvClient kv, String key, Function<Optional<KeyValue>, byte[]> fn) {
    return update(kv, key, fn, 32, 0);
  }

  /**
   * Calls {@code fn(current)} (empty when the key is absent) and writes what it returns: the new value,
   * null to delete the key, or {@link #UNCHANGED}. {@code fn} may run several times: keep it free of side
   * effects. Returns the revision of the write that won, or 0 when nothing was written. A write whose outcome
   * is unknown ({@link UnavailableException#outcomeUnknown()}) is thrown, never resent; after {@code
   * maxAttempts} conflicts, {@link UpdateConflictException}.
   */
  public static long update(
      KvClient kv, String key, Function<Optional<KeyValue>, byte[]> fn, int maxAttempts, long ttlMs) {
    for (int attempt = 0; attempt < maxAttempts; attempt++) {
      Optional<KeyValue> current = kv.get(key);
      byte[] value = fn.apply(current);
      if (value == UNCHANGED) return 0;
      Condition unchanged = Condition.modRevision(current.map(KeyValue::modRevision).orElse(0L));
      try {
        if (value != null) return kv.set(key, value, new SetOptions(ttlMs, unchanged)).revision();
        if (current.isEmpty()) return 0;
        return kv.delete(key, unchanged).revision();
      } catch (ConditionFailedException e) {
        try {
          Thread.sleep(BACKOFF.delayMs(attempt));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw Errors.cancelled("update interrupted", e.endpoint());
        }
      }
    }
    throw new UpdateConflictException(
        "update(" + key + "): the key changed under every one of " + maxAttempts + " attempts");
  }
}
