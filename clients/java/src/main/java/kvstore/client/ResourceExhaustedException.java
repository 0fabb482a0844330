package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/** RESOURCE_EXHAUSTED: a message or response over a limit, a quota or a rate limit. */
public class ResourceExhaustedException extends KvException {
  public ResourceExhaustedException(
      Status.Code code, String details, String endpoint, Map<String, String> trailers, boolean answered) {
    super(code, details, endpoint, trailers, answered);
  }
}
