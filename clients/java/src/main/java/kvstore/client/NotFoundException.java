package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/** NOT_FOUND. */
public class NotFoundException extends KvException {
  public NotFoundException(
      Status.Code code, String details, String endpoint, Map<String, String> trailers, boolean answered) {
    super(code, details, endpoint, trailers, answered);
  }
}
