package kvstore.client;

import io.grpc.Status;
import java.util.Map;

/** DEADLINE_EXCEEDED: no answer within the call's timeout; a write's outcome is unknown. */
public class DeadlineExceededException extends KvException {
  public DeadlineExceededException(
      Status.Code code, String details, String endpoint, Map<String, String> trailers, boolean answered) {
    super(code, details, endpoint, trailers, answered);
  }
}
