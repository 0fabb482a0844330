package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/** INVALID_ARGUMENT: a bad key, value, TTL, range, pattern or page token; {@link #field()} names it. */
public class InvalidArgumentException extends KvException {
  public InvalidArgumentException(
      Status.Code code, String details, String endpoint, Map<String, String> trailers, boolean answered) {
    super(code, details, endpoint, trailers, answered);
  }
}
