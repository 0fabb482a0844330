package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/**
 * UNAVAILABLE: no endpoint could be reached, or the server cannot serve (shutting down, log unreachable);
 * also what a call ends with when its retries ran out.
 */
public class UnavailableException extends KvException {
  private final boolean outcomeUnknown;

  public UnavailableException(
      Status.Code code,
      String details,
      String endpoint,
      Map<String, String> trailers,
      boolean answered,
      boolean outcomeUnknown) {
    super(code, details, endpoint, trailers, answered);
    this.outcomeUnknown = outcomeUnknown;
  }

  /**
   * True when a write reached a server that gave no answer: it may have been applied. Read the key to learn
   * the outcome; the client never resends such a write.
   */
  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}
