package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/**
 * FAILED_PRECONDITION: the condition of a conditional write did not hold; nothing was written. Carries the
 * key's mod revision and version when the condition was checked (0 = the key was absent), from the trailers
 * {@code current-mod-revision} and {@code current-version}.
 */
public class ConditionFailedException extends KvException {
  public ConditionFailedException(
      Status.Code code, String details, String endpoint, Map<String, String> trailers, boolean answered) {
    super(code, details, endpoint, trailers, answered);
  }

  /** The key's mod revision when the condition was checked (0 = absent). */
  public long currentModRevision() {
    return trailerLong("current-mod-revision");
  }

  /** The key's version when the condition was checked (0 = absent). */
  public long currentVersion() {
    return trailerLong("current-version");
  }
}
